import BrieferApp
import Foundation
import Synchronization

/// An in-process fake of HubSpot's CRM v3 contacts batch API, built on ``FakeHTTPServer``, that
/// enforces the contract SPEC §6 relies on.
///
/// Endpoints (all `POST` but the first, JSON in and out; another method on them is a 405, another path a 404):
///
/// - `GET /account-info/v3/details`: the portal the token belongs to, `{portalId, accountType, timeZone,
///   companyCurrency, uiDomain, dataHostingLocation}` (``portalId``; nil answers 404, as a server
///   without that endpoint would).
/// - `/crm/v3/objects/contacts/batch/upsert`: inputs `{id, idProperty: "email", objectWriteTraceId?, properties}`;
///   creates the contact when the email is unknown, else updates it; 200 with one result per input
///   (`id` = record id, `objectWriteTraceId`, `properties`, `new`, `createdAt`, `updatedAt`, `archived`).
/// - `/crm/v3/objects/contacts/batch/read`: `{idProperty: "email", properties: [...], inputs: [{id}]}`
///   (without `idProperty`, or with `hs_object_id`, the ids are record ids); 200 with the known
///   contacts, 207 when some are unknown, with `errors: [{category: "OBJECT_NOT_FOUND", context: {ids}}]`
///   and `numErrors`.
/// - `/crm/v3/objects/contacts/batch/update`: inputs `{id: <record id>, objectWriteTraceId?, properties}`;
///   unknown ids give a 207 (the known ones are applied); an input with `idProperty: "email"` (or any
///   `idProperty` but `hs_object_id`) refuses the whole batch with 400 `VALIDATION_ERROR`
///   "Unable to perform update/upsert by non-unique email property".
///
/// - `/crm/v3/properties/contacts/groups` and `/crm/v3/properties/contacts/batch/create`: create a property
///   group (409 `CONFLICT` if it exists) and properties in an existing group (207 with a `CONFLICT` error,
///   `context.name`, for each that exists); created properties join ``definedProperties``.
///
/// - `/crm/v3/objects/tasks/batch/create`: inputs `{properties, associations?, objectWriteTraceId?}` (at most 100); each
///   needs `hs_timestamp`; properties must be task properties (`hs_timestamp`, `hs_task_subject`, `hs_task_body`,
///   `hs_task_status`, `hs_task_priority`, `hs_task_type`, `hubspot_owner_id`) with valid enumeration values; an association
///   to a contact (type 204) must name an existing contact's record id. 201 with one result per input (`id`,
///   `objectWriteTraceId`, `properties`). Nothing deduplicates: the same input twice makes two tasks (``tasks``).
/// - `/crm/v3/objects/tasks/search`: `filterGroups` (at most 5, ORed; filters ANDed) of `{propertyName, operator, value}`
///   with `EQ` or `CONTAINS_TOKEN` (a whole token of the value, letters and digits, without case); a task shows only
///   ``searchLag`` seconds after it was created (HubSpot's index lags its writes), and searches are limited to
///   ``searchRateLimit`` a second (a 429 `SECONDLY` over it), apart from the general budget.
///
/// - Companies: `/crm/v3/objects/companies/batch/create` (inputs `{properties, objectWriteTraceId?}`; 201; nothing
///   deduplicates by domain, as in HubSpot), `batch/update` (by record id, as contacts: 207 `OBJECT_NOT_FOUND` for unknown
///   ids), `search` (`domain` `EQ`, with the tasks' ``searchLag`` and search limit), and their property definitions
///   (`/crm/v3/properties/companies/groups`, `/batch/create`, into ``definedCompanyProperties``); associations v4:
///   `/crm/v4/associations/contacts/companies/batch/read` (each contact's companies; contacts without any are left out)
///   and `/crm/v4/associations/companies/contacts/batch/associate/default` (both ids must exist; associating twice
///   changes nothing). With ``autoCreatesCompanies`` a contact created with an address at a domain no company has gets
///   one made and associated, as HubSpot's "create and associate companies with contacts" setting does.
///
/// - `/oauth/v2/private-apps/get/access-token-info`: `{"tokenKey"}` (the bearer token) → `{userId, hubId, appId, scopes}`.
///   With ``grantedScopes`` set, a request to an endpoint whose scope the token lacks is a 403 `MISSING_SCOPES` naming it
///   in `errors[].context.requiredGranularScopes`.
///
/// Every request must carry `Authorization: Bearer <token>` (401 `INVALID_AUTHENTICATION` otherwise)
/// and `Content-Type: application/json` (415 otherwise). A batch is refused whole, nothing applied,
/// with 400 `VALIDATION_ERROR` for: malformed JSON or a body that is not an object with an `inputs`
/// array; more than 100 inputs; an input without a string `id`; the same id twice in one upsert or
/// update; a property value that is not a string (numbers must be sent as strings), or longer than
/// 65,536 characters; a property name not in ``definedProperties``; an upsert input whose
/// `idProperty` is not `email`, or whose email is not an address (`INVALID_EMAIL`: one bad input
/// refuses the whole batch, as HubSpot does for any invalid property value).
///
/// Results come back in the reverse of input order by default (``reversesResults``), as HubSpot
/// promises no order: clients must match them by `objectWriteTraceId` or id.
///
/// Rate limit: ``rateLimit`` authenticated requests per rolling ``rateLimitWindow`` seconds (100 per
/// 10 s by default). A request over it gets a 429 with `X-HubSpot-RateLimit-Interval-Milliseconds`,
/// `X-HubSpot-RateLimit-Max`, `X-HubSpot-RateLimit-Remaining: 0` and a `TEN_SECONDLY_ROLLING` body,
/// and does not itself count against the budget. Every counted answer carries the three headers.
/// With ``dailyLimitReached`` set, every authenticated request gets a 429 with `policyName: "DAILY"`.
///
/// Scripted faults (``Fault``) are consulted before anything else: first the queue (``enqueue(_:)``),
/// then the script (``setFaultScript(_:)``). A faulted request is not authenticated, counted against
/// the budget or applied, except ``Fault/dropAfterApplying`` and ``Fault/delayed(_:)``, which process it
/// normally.
///
/// ```swift
/// let hubspot = try FakeHubSpotServer(token: "pat-test", faults: [.status(503)])
/// defer { hubspot.stop() }
/// let id = hubspot.addContact(email: "bob@acme.com")
/// // … point the sync at hubspot.baseURL with HUBSPOT_ACCESS_TOKEN=pat-test …
/// #expect(hubspot.count(of: FakeHubSpotServer.upsertPath) == 2)
/// #expect(hubspot.contact(email: "ada@acme.com")?.properties["pql_tier"] == "hot")
/// ```
public final class FakeHubSpotServer: Sendable {
    // MARK: Paths and defaults

    public static let upsertPath = "/crm/v3/objects/contacts/batch/upsert"
    public static let readPath = "/crm/v3/objects/contacts/batch/read"
    public static let updatePath = "/crm/v3/objects/contacts/batch/update"
    /// Property definitions: `POST` a group, `POST` a batch of properties.
    public static let groupsPath = "/crm/v3/properties/contacts/groups"
    public static let propertiesCreatePath = "/crm/v3/properties/contacts/batch/create"
    public static let accountInfoPath = "/account-info/v3/details"
    public static let tasksCreatePath = "/crm/v3/objects/tasks/batch/create"
    public static let companiesCreatePath = "/crm/v3/objects/companies/batch/create"
    public static let companiesUpdatePath = "/crm/v3/objects/companies/batch/update"
    public static let companiesSearchPath = "/crm/v3/objects/companies/search"
    public static let companiesReadPath = "/crm/v3/objects/companies/batch/read"
    public static let tokenInfoPath = "/oauth/v2/private-apps/get/access-token-info"

    /// The scope each endpoint needs (HubSpot's tasks API takes the contacts scopes).
    static let requiredScope: [String: String] = [
        upsertPath: "crm.objects.contacts.write", updatePath: "crm.objects.contacts.write", readPath: "crm.objects.contacts.read",
        groupsPath: "crm.schemas.contacts.write", propertiesCreatePath: "crm.schemas.contacts.write",
        tasksCreatePath: "crm.objects.contacts.write", tasksSearchPath: "crm.objects.contacts.read",
        companiesCreatePath: "crm.objects.companies.write", companiesUpdatePath: "crm.objects.companies.write",
        companiesSearchPath: "crm.objects.companies.read", companiesReadPath: "crm.objects.companies.read",
        companyGroupsPath: "crm.schemas.companies.write", companyPropertiesCreatePath: "crm.schemas.companies.write",
        associationsReadPath: "crm.objects.companies.read", associatePath: "crm.objects.companies.write",
    ]
    public static let companyGroupsPath = "/crm/v3/properties/companies/groups"
    public static let companyPropertiesCreatePath = "/crm/v3/properties/companies/batch/create"
    public static let associationsReadPath = "/crm/v4/associations/contacts/companies/batch/read"
    public static let associatePath = "/crm/v4/associations/companies/contacts/batch/associate/default"
    public static let tasksSearchPath = "/crm/v3/objects/tasks/search"
    /// The properties a task may carry, and the values of its enumerations.
    public static let taskProperties: Set<String> = [
        "hs_timestamp", "hs_task_subject", "hs_task_body", "hs_task_status", "hs_task_priority", "hs_task_type", "hubspot_owner_id",
    ]
    static let taskEnumerations: [String: Set<String>] = [
        "hs_task_status": ["NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED"],
        "hs_task_priority": ["LOW", "MEDIUM", "HIGH", "NONE"], "hs_task_type": ["TODO", "CALL", "EMAIL", "LINKED_IN", "MEETING"],
    ]

    /// The most inputs a batch may carry.
    public static let maxBatchSize = 100
    /// The longest string a property value may be, in characters.
    public static let maxValueLength = 65_536

    /// `email` and the 17 `pql_*` properties of SPEC §6.
    public static let defaultDefinedProperties: Set<String> = [
        "email",
        "pql_score", "pql_tier",
        "pql_activation_score", "pql_engagement_score", "pql_firmographic_score",
        "pql_fit_score", "pql_behavior_score",
        "pql_contact_score", "pql_reason_codes",
        "pql_use_case", "pql_expansion_signal", "pql_recommended_opening", "pql_risk_factor",
        "pql_briefing_source", "pql_prompt_version",
        "pql_became_hot_at", "pql_last_calculated",
    ]

    /// The daily limit announced in `X-HubSpot-RateLimit-Daily` on a `DAILY` 429.
    public static let dailyLimit = 250_000

    /// The message of the 400 for `batch/update` with `idProperty: "email"`.
    public static let nonUniqueEmailMessage = "Unable to perform update/upsert by non-unique email property"
    /// The message of the `OBJECT_NOT_FOUND` errors of a 207.
    public static let notFoundMessage = "Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid."
    /// The message of the 401.
    public static let authenticationMessage =
        "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"

    // MARK: Types

    /// A scripted answer that replaces (or, for two cases, follows) the normal handling of one request.
    public enum Fault: Sendable {
        /// This status with a HubSpot error body (`{"status":"error","message":…,"category":…}`) unless `body` is given.
        case status(Int, headers: [HTTPHeader] = [], body: String? = nil)
        /// A 429 with a HubSpot rate-limit body of that policy (`TEN_SECONDLY_ROLLING`, `DAILY`, …),
        /// the three `X-HubSpot-RateLimit-*` headers, and `Retry-After` when given.
        case rateLimited(retryAfter: String? = nil, policy: String = "TEN_SECONDLY_ROLLING")
        /// Closes the connection without answering (nothing applied).
        case drop
        /// Handles the request normally (the writes are applied and recorded), then closes the
        /// connection without answering: the client cannot know its change arrived.
        case dropAfterApplying
        /// Handles the request normally and answers after this many seconds.
        case delayed(Double)
        /// This raw reply (nothing applied): `.truncated`, `.hang`, a custom `.respond`, ….
        case reply(FakeReply)

        /// The name the request records under ``Request/fault``: `status_<code>`, `rate_limited`, `drop`,
        /// `drop_after_applying`, `delayed`, `reply`.
        public var kind: String {
            switch self {
            case let .status(code, _, _): return "status_\(code)"
            case .rateLimited: return "rate_limited"
            case .drop: return "drop"
            case .dropAfterApplying: return "drop_after_applying"
            case .delayed: return "delayed"
            case .reply: return "reply"
            }
        }
    }

    /// Decides a fault for a request (nil: handle it normally). Consulted after the queue is empty.
    public typealias FaultScript = @Sendable (Request) -> Fault?

    /// A contact in the fake CRM.
    public struct Contact: Sendable, Equatable {
        /// The record id (`hs_object_id`), a decimal string.
        public var id: String
        /// Lowercased, as HubSpot stores it.
        public var email: String
        /// Every property set, `email` included.
        public var properties: [String: String]
        public var createdAt: Date
        public var updatedAt: Date
    }

    /// A company in the fake CRM.
    public struct Company: Sendable, Equatable {
        public var id: String
        public var properties: [String: String]
        /// The contacts' record ids associated with it.
        public var contacts: Set<String>
        public var traceId: String?
        public var createdAt: Date
        public var domain: String? { properties["domain"] }
    }

    /// A task in the fake CRM.
    public struct CRMTask: Sendable, Equatable {
        public var id: String
        public var properties: [String: String]
        /// The record ids it is associated with, by association type (204 contact, 192 company).
        public var associations: [Int: [String]]
        public var traceId: String?
        public var createdAt: Date
    }

    /// One request as received, and how it was answered.
    public struct Request: Sendable {
        /// The request as the HTTP server read it.
        public var http: RecordedRequest
        /// Its place among all requests received, from 0.
        public var index: Int
        /// The status sent; nil for a dropped connection or a hang (or while being handled).
        public var status: Int?
        /// The `category` (or `errorType` for a 429) of the error answered, if any: `INVALID_AUTHENTICATION`,
        /// `VALIDATION_ERROR`, `OBJECT_NOT_FOUND` (a 207 or 404), `RATE_LIMIT`, ….
        public var errorCategory: String?
        /// The top-level `message` of the error answered, if any (for a 207, the first error's).
        public var errorMessage: String?
        /// The ``Fault/kind`` of the scripted fault that answered it, if any.
        public var fault: String?

        public var method: String { http.method }
        /// The path, without any query.
        public var path: String { http.path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? http.path }
        /// Names lowercased, in received order.
        public var headers: [HTTPHeader] { http.headers }
        public func header(_ name: String) -> String? { http.header(name) }
        public var bodyText: String { String(decoding: http.body, as: UTF8.self) }
        /// The body parsed by Foundation (nil when it is not a JSON object).
        public var json: [String: Any]? { try? JSONSerialization.jsonObject(with: http.body) as? [String: Any] }
        /// The body's `inputs` (empty when absent).
        public var inputs: [[String: Any]] { json?["inputs"] as? [[String: Any]] ?? [] }
        /// The `id` of every input, in order.
        public var inputIds: [String] { inputs.compactMap { $0["id"] as? String } }
    }

    /// One input of an upsert or update as received, with what became of it.
    public struct Write: Sendable, Equatable {
        public enum Outcome: String, Sendable {
            /// An upsert that created the contact.
            case created
            /// An upsert or update applied to an existing contact.
            case updated
            /// An update whose record id is unknown (reported in the 207's errors).
            case notFound
            /// Part of a batch refused with 400 (nothing applied).
            case rejected
        }

        /// The request it came in (``Request/index``).
        public var requestIndex: Int
        /// ``FakeHubSpotServer/upsertPath`` or ``FakeHubSpotServer/updatePath``.
        public var path: String
        /// The input's `objectWriteTraceId`, if it carried one.
        public var traceId: String?
        /// The input's `id` as sent (an email for upserts, a record id for updates).
        public var id: String
        public var idProperty: String?
        /// The properties as sent; a value that was not a JSON string is kept as its JSON text (`5`, `null`).
        public var properties: [String: String]
        /// The contact's record id when applied.
        public var recordId: String?
        public var outcome: Outcome
    }

    // MARK: Server

    /// The bearer token every request must carry; nil accepts any non-empty one.
    public let token: String?
    private let http: FakeHTTPServer
    private let state: State

    /// `http://127.0.0.1:<port>`: the base URL to configure the sync with (HubSpot's is `https://api.hubapi.com`).
    public var baseURL: String { http.baseURL }
    public var port: Int { http.port }

    /// Starts listening at once.
    ///
    /// - Parameters:
    ///   - token: the bearer token every request must carry; nil accepts any non-empty one.
    ///   - definedProperties: the contact property names that exist.
    ///   - rateLimit: requests allowed per rolling `rateLimitWindow`.
    ///   - rateLimitWindow: the rolling window, in seconds (announced in milliseconds in the headers).
    ///   - faults: scripted answers for the first requests, in order.
    public init(
        token: String? = "test-token", definedProperties: Set<String> = FakeHubSpotServer.defaultDefinedProperties,
        rateLimit: Int = 100, rateLimitWindow: Double = 10, faults: [Fault] = []
    ) throws {
        let state = State(definedProperties: definedProperties, rateLimit: rateLimit, rateLimitWindow: rateLimitWindow, faults: faults)
        self.state = state
        self.token = token
        http = try FakeHTTPServer { recorded in
            Self.handle(recorded, token: token, state: state)
        }
    }

    /// Closes the listener and every connection.
    public func stop() {
        http.stop()
    }

    // MARK: Configuration

    /// The contact property names that exist; writing another is a 400.
    public var definedProperties: Set<String> {
        get { state.withLock { $0.definedProperties } }
        set { state.withLock { $0.definedProperties = newValue } }
    }

    /// The portal `GET /account-info/v3/details` names (a token's account); nil answers that path 404.
    public var portalId: Int? {
        get { state.withLock { $0.portalId } }
        set { state.withLock { $0.portalId = newValue } }
    }

    /// Requests allowed per rolling ``rateLimitWindow``.
    public var rateLimit: Int {
        get { state.withLock { $0.rateLimit } }
        set { state.withLock { $0.rateLimit = newValue } }
    }

    /// The rolling window of ``rateLimit``, in seconds.
    public var rateLimitWindow: Double {
        get { state.withLock { $0.rateLimitWindow } }
        set { state.withLock { $0.rateLimitWindow = newValue } }
    }

    /// While true, every authenticated request is answered 429 with `policyName: "DAILY"`.
    public var dailyLimitReached: Bool {
        get { state.withLock { $0.dailyLimitReached } }
        set { state.withLock { $0.dailyLimitReached = newValue } }
    }

    /// Whether results come back in the reverse of input order (default true), so that a client
    /// matching them by position fails.
    public var reversesResults: Bool {
        get { state.withLock { $0.reversesResults } }
        set { state.withLock { $0.reversesResults = newValue } }
    }

    /// Forgets the requests counted against the rolling budget.
    public func resetRateLimit() {
        state.withLock { $0.budgetTimes.removeAll() }
    }

    /// Queues faults to answer the next requests with, in order, whatever they are.
    public func enqueue(_ faults: Fault...) { enqueue(faults) }

    /// Queues faults to answer the next requests with, in order, whatever they are.
    public func enqueue(_ faults: [Fault]) {
        state.withLock { $0.faults.append(contentsOf: faults) }
    }

    /// The faults still queued.
    public var pendingFaults: Int { state.withLock { $0.faults.count } }

    /// Sets (or, with nil, removes) the script consulted for each request once the queue is empty.
    /// It runs on the connection's thread, outside the server's lock, so it may call the server.
    public func setFaultScript(_ script: FaultScript?) {
        state.withLock { $0.script = script }
    }

    // MARK: Contacts

    /// Adds a contact (or, if the email exists, sets these properties on it) and returns its record id.
    @discardableResult
    public func addContact(email: String, properties: [String: String] = [:]) -> String {
        state.withLock { s in
            let now = Date()
            if let id = s.idsByEmail[Self.normalized(email)] {
                s.contacts[id]?.properties.merge(properties) { $1 }
                s.contacts[id]?.updatedAt = now
                return id
            }
            return s.create(email: email, properties: properties, at: now)
        }
    }

    /// Deletes the contact with this email; true if there was one.
    @discardableResult
    public func removeContact(email: String) -> Bool {
        state.withLock { s in
            guard let id = s.idsByEmail.removeValue(forKey: Self.normalized(email)) else { return false }
            s.contacts[id] = nil
            return true
        }
    }

    /// The contact with this email (compared case-insensitively).
    public func contact(email: String) -> Contact? {
        state.withLock { s in s.idsByEmail[Self.normalized(email)].flatMap { s.contacts[$0] } }
    }

    /// The contact with this record id.
    public func contact(id: String) -> Contact? {
        state.withLock { $0.contacts[id] }
    }

    /// Every contact, by record id.
    public var contacts: [Contact] {
        state.withLock { s in s.contacts.values.sorted { Int($0.id) ?? 0 < Int($1.id) ?? 0 } }
    }

    // MARK: Companies

    /// Company property names that exist besides `domain` and `name` (the pql_* but the contact's own score, by default).
    public var definedCompanyProperties: Set<String> {
        get { state.withLock { $0.definedCompanyProperties } }
        set { state.withLock { $0.definedCompanyProperties = newValue } }
    }

    /// The token's scopes: nil grants every endpoint; a set refuses (403) an endpoint whose scope it lacks.
    public var grantedScopes: Set<String>? {
        get { state.withLock { $0.grantedScopes } }
        set { state.withLock { $0.grantedScopes = newValue } }
    }

    /// Whether a contact created at a domain no company has gets one made and associated.
    public var autoCreatesCompanies: Bool {
        get { state.withLock { $0.autoCreatesCompanies } }
        set { state.withLock { $0.autoCreatesCompanies = newValue } }
    }

    /// Adds a company (and associates these contacts' record ids); returns its id.
    @discardableResult
    public func addCompany(domain: String, properties: [String: String] = [:], contacts: [String] = []) -> String {
        state.withLock { s in
            let id = s.createCompany(properties: properties.merging(["domain": domain]) { a, _ in a }, traceId: nil, at: Date())
            for contact in contacts { s.companies[id]?.contacts.insert(contact) }
            return id
        }
    }

    /// Sets a contact's property as a person in HubSpot would at `at` (its history keeps the time): a rep's feedback.
    public func setContactProperty(email: String, _ name: String, _ value: String, at: Date) {
        state.withLock { s in
            guard let id = s.idsByEmail[Self.normalized(email)] else { return }
            s.contacts[id]?.properties[name] = value
            s.history["contact:\(id):\(name)", default: []].append((value, at))
        }
    }

    /// Sets a company's property as a person in HubSpot would at `at`.
    public func setCompanyProperty(id: String, _ name: String, _ value: String, at: Date) {
        state.withLock { s in
            s.companies[id]?.properties[name] = value
            s.history["company:\(id):\(name)", default: []].append((value, at))
        }
    }

    /// Deletes a company (as a user deleting it in HubSpot); true if there was one.
    @discardableResult
    public func removeCompany(id: String) -> Bool {
        state.withLock { $0.companies.removeValue(forKey: id) != nil }
    }

    /// Every company, in the order made.
    public var companies: [Company] {
        state.withLock { s in s.companies.values.sorted { Int($0.id) ?? 0 < Int($1.id) ?? 0 } }
    }

    // MARK: Tasks

    /// Seconds before a created task shows in search results (default 0).
    public var searchLag: Double {
        get { state.withLock { $0.searchLag } }
        set { state.withLock { $0.searchLag = newValue } }
    }

    /// Searches allowed per second (HubSpot's: a few per portal).
    public var searchRateLimit: Int {
        get { state.withLock { $0.searchRateLimit } }
        set { state.withLock { $0.searchRateLimit = newValue } }
    }

    /// Every task created, in order, repeats included.
    public var tasks: [CRMTask] { state.withLock { $0.tasks } }

    /// Searches answered 429 for going over ``searchRateLimit``.
    public var searchesRateLimited: Int { state.withLock { $0.searchesRateLimited } }

    // MARK: Records

    /// Every request received, in order, rejected and faulted ones included.
    public var requests: [Request] { state.withLock { $0.requests } }

    /// The requests to that path (without query).
    public func requests(to path: String) -> [Request] { requests.filter { $0.path == path } }

    /// How many requests arrived.
    public var received: Int { state.withLock { $0.requests.count } }

    /// How many requests arrived per path (without query), whatever their answer.
    public var counts: [String: Int] {
        state.withLock { s in s.requests.reduce(into: [:]) { $0[$1.path, default: 0] += 1 } }
    }

    /// How many requests arrived for that path, whatever their answer.
    public func count(of path: String) -> Int { counts[path, default: 0] }

    /// Every upsert and update input received in a request whose body parsed, in order, with what became of it.
    public var writes: [Write] { state.withLock { $0.writes } }

    /// The writes that carried this `objectWriteTraceId`.
    public func writes(traceId: String) -> [Write] { writes.filter { $0.traceId == traceId } }

    /// Every `objectWriteTraceId` received, in order, repeats included.
    public var traceIds: [String] { writes.compactMap(\.traceId) }

    /// The properties each trace id carried (the last time, if it came more than once).
    public var propertiesByTraceId: [String: [String: String]] {
        writes.reduce(into: [:]) { result, write in
            if let trace = write.traceId { result[trace] = write.properties }
        }
    }

    // MARK: Handling one request

    private static let jsonHeaders = [HTTPHeader("Content-Type", "application/json;charset=utf-8")]

    private static func handle(_ recorded: RecordedRequest, token: String?, state: State) -> FakeReply {
        let index = state.withLock { s in
            s.requests.append(Request(http: recorded, index: s.requests.count))
            return s.requests.count - 1
        }
        let request = state.withLock { $0.requests[index] }
        let (queued, script) = state.withLock { s in (s.faults.isEmpty ? nil : s.faults.removeFirst(), s.script) }
        let fault = queued ?? script?(request)
        if let fault {
            state.withLock { $0.requests[index].fault = fault.kind }
            switch fault {
            case .dropAfterApplying:
                _ = process(request, token: token, state: state)
                state.withLock { $0.requests[index].status = nil }
                return .drop()
            case let .delayed(seconds):
                let answer = process(request, token: token, state: state)
                return answer.reply(delay: seconds)
            default:
                let answer = faultAnswer(fault, state: state)
                state.withLock { s in
                    s.requests[index].status = answer.status
                    s.requests[index].errorCategory = answer.category
                    s.requests[index].errorMessage = answer.message
                }
                return answer.reply(delay: 0)
            }
        }
        return process(request, token: token, state: state).reply(delay: 0)
    }

    /// An answer before it becomes a ``FakeReply``.
    private struct Answer {
        var status: Int?
        var headers: [HTTPHeader] = []
        var body: Data = Data()
        var category: String?
        var message: String?
        var raw: FakeReply?

        func reply(delay: Double) -> FakeReply {
            if let raw { return raw }
            return .respond(status: status ?? 500, headers: headers, body: body, delay: delay)
        }
    }

    private static func faultAnswer(_ fault: Fault, state: State) -> Answer {
        switch fault {
        case let .status(code, headers, body):
            if let body {
                return Answer(status: code, headers: headers, body: Data(body.utf8))
            }
            let (category, message) = defaultError(for: code)
            return Answer(
                status: code, headers: jsonHeaders + headers, body: errorBody(message: message, category: category),
                category: category, message: message)
        case let .rateLimited(retryAfter, policy):
            let (max, window) = state.withLock { ($0.rateLimit, $0.rateLimitWindow) }
            var answer = rateLimitAnswer(policy: policy, max: max, window: window)
            if let retryAfter { answer.headers.append(HTTPHeader("Retry-After", retryAfter)) }
            return answer
        case .drop:
            return Answer(status: nil, raw: .drop())
        case let .reply(reply):
            var status: Int?
            if case let .respond(code, _, _, _) = reply { status = code }
            if case let .truncated(code, _, _, _) = reply { status = code }
            return Answer(status: status, raw: reply)
        case .dropAfterApplying, .delayed:
            preconditionFailure("handled by processing the request")
        }
    }

    private static func defaultError(for status: Int) -> (category: String, message: String) {
        switch status {
        case 400: return ("VALIDATION_ERROR", "Invalid input.")
        case 401: return ("INVALID_AUTHENTICATION", authenticationMessage)
        case 403: return ("MISSING_SCOPES", "This app hasn't been granted all required scopes to make this call.")
        case 404: return ("OBJECT_NOT_FOUND", "Resource not found")
        case 409: return ("CONFLICT", "Contact already exists.")
        case 429: return ("RATE_LIMITS", "You have reached your ten_secondly_rolling limit.")
        case 502: return ("BAD_GATEWAY", "Bad Gateway")
        case 503: return ("SERVICE_UNAVAILABLE", "Service Unavailable")
        case 504: return ("GATEWAY_TIMEOUT", "Gateway Timeout")
        default: return status >= 500 ? ("INTERNAL_ERROR", "internal error") : ("ERROR", "Request failed with status \(status).")
        }
    }

    /// Authentication, limits, routing, validation, and the write itself; records the outcome on the request.
    private static func process(_ request: Request, token: String?, state: State) -> Answer {
        let answer = route(request, token: token, state: state)
        state.withLock { s in
            s.requests[request.index].status = answer.status
            s.requests[request.index].errorCategory = answer.category
            s.requests[request.index].errorMessage = answer.message
        }
        return answer
    }

    private static func route(_ request: Request, token: String?, state: State) -> Answer {
        let authorization = request.header("authorization") ?? ""
        let bearer =
            authorization.hasPrefix("Bearer ") ? String(authorization.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces) : ""
        guard !bearer.isEmpty, token == nil || bearer == token else {
            return error(401, category: "INVALID_AUTHENTICATION", message: authenticationMessage)
        }

        // The rate limits, then everything else under one lock, so a batch is applied atomically.
        return state.withLock { s in
            if request.path == tokenInfoPath {
                guard (request.json?["tokenKey"] as? String) == bearer else {
                    return error(400, category: "VALIDATION_ERROR", message: "tokenKey is not a private app access token")
                }
                let scopes = (s.grantedScopes ?? Set(requiredScope.values)).sorted()
                return Answer(
                    status: 200, headers: jsonHeaders, body: json(["userId": 1, "hubId": s.portalId ?? 0, "appId": 4242, "scopes": scopes]))
            }
            if let granted = s.grantedScopes, let needed = requiredScope[request.path], !granted.contains(needed) {
                return error(
                    403, category: "MISSING_SCOPES",
                    message:
                        "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
                    extra: [
                        "errors": [
                            [
                                "message": "One or more of the following scopes are required.",
                                "context": ["requiredGranularScopes": [needed]],
                            ]
                        ]
                    ])
            }
            if s.dailyLimitReached {
                var answer = rateLimitAnswer(policy: "DAILY", max: s.rateLimit, window: s.rateLimitWindow)
                answer.headers += [
                    HTTPHeader("X-HubSpot-RateLimit-Daily", String(dailyLimit)),
                    HTTPHeader("X-HubSpot-RateLimit-Daily-Remaining", "0"),
                ]
                return answer
            }
            let now = Date()
            s.budgetTimes.removeAll { now.timeIntervalSince($0) >= s.rateLimitWindow }
            guard s.budgetTimes.count < s.rateLimit else {
                return rateLimitAnswer(policy: "TEN_SECONDLY_ROLLING", max: s.rateLimit, window: s.rateLimitWindow)
            }
            s.budgetTimes.append(now)
            let limitHeaders = [
                HTTPHeader("X-HubSpot-RateLimit-Interval-Milliseconds", String(Int(s.rateLimitWindow * 1000))),
                HTTPHeader("X-HubSpot-RateLimit-Max", String(s.rateLimit)),
                HTTPHeader("X-HubSpot-RateLimit-Remaining", String(s.rateLimit - s.budgetTimes.count)),
            ]
            var answer = endpoint(request, state: &s, now: now)
            answer.headers += limitHeaders
            return answer
        }
    }

    private static func endpoint(_ request: Request, state s: inout State.Values, now: Date) -> Answer {
        let path = request.path
        if path == accountInfoPath, let portal = s.portalId {
            guard request.method == "GET" else {
                return error(405, category: "VALIDATION_ERROR", message: "HTTP 405 Method Not Allowed: \(request.method) \(path) (use GET)")
            }
            return Answer(
                status: 200, headers: jsonHeaders,
                body: json([
                    "portalId": portal, "accountType": "STANDARD", "timeZone": "US/Eastern", "companyCurrency": "USD",
                    "uiDomain": "app.hubspot.com", "dataHostingLocation": "na1",
                ]), category: nil, message: nil)
        }
        let companyPaths = [
            companiesCreatePath, companiesUpdatePath, companiesSearchPath, companyGroupsPath, companyPropertiesCreatePath,
            associationsReadPath, associatePath, companiesReadPath,
        ]
        guard
            ([upsertPath, readPath, updatePath, groupsPath, propertiesCreatePath, tasksCreatePath, tasksSearchPath] + companyPaths)
                .contains(path)
        else {
            return error(404, category: "OBJECT_NOT_FOUND", message: "Unable to route \(request.method) \(path): no such endpoint")
        }
        guard request.method == "POST" else {
            return error(405, category: "VALIDATION_ERROR", message: "HTTP 405 Method Not Allowed: \(request.method) \(path) (use POST)")
        }
        let contentType = request.header("content-type")?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard contentType == "application/json" else {
            return error(
                415, category: "VALIDATION_ERROR",
                message:
                    "HTTP 415 Unsupported Media Type: Content-Type must be application/json, not \(request.header("content-type") ?? "missing")"
            )
        }
        guard let any = try? JSONSerialization.jsonObject(with: request.http.body, options: [.fragmentsAllowed]) else {
            return validation("Invalid input JSON on line 1, column 1: the request body is not valid JSON")
        }
        guard let body = any as? [String: Any] else {
            return validation("Invalid input JSON on line 1, column 1: the request body must be a JSON object")
        }
        if path == groupsPath || path == companyGroupsPath { return createGroup(body, state: &s, companies: path == companyGroupsPath) }
        if path == tasksSearchPath { return searchTasks(body, state: &s, now: now) }
        if path == companiesSearchPath { return searchCompanies(body, state: &s, now: now) }
        guard let rawInputs = body["inputs"] as? [Any] else {
            return validation("Invalid input JSON: `inputs` is required and must be an array")
        }
        let inputs = rawInputs.compactMap { $0 as? [String: Any] }
        guard inputs.count == rawInputs.count else {
            return validation("Invalid input JSON: every element of `inputs` must be an object")
        }
        switch path {
        case readPath: return read(body, inputs: inputs, state: &s)
        case propertiesCreatePath: return createProperties(inputs, state: &s)
        case companyPropertiesCreatePath: return createProperties(inputs, state: &s, companies: true)
        case tasksCreatePath: return createTasks(inputs, state: &s, now: now)
        case companiesCreatePath: return createCompanies(inputs, state: &s, now: now)
        case companiesUpdatePath: return updateCompanies(inputs, state: &s, now: now)
        case companiesReadPath: return readCompanies(body, inputs: inputs, state: &s)
        case associationsReadPath: return readAssociations(inputs, state: &s)
        case associatePath: return associate(inputs, state: &s)
        default: return write(request, path: path, inputs: inputs, state: &s, now: now)
        }
    }

    // MARK: Property definitions

    /// 201 with the group, or 409 `CONFLICT` when a group of that name exists.
    private static func createGroup(_ body: [String: Any], state s: inout State.Values, companies: Bool = false) -> Answer {
        guard let name = body["name"] as? String, !name.isEmpty, let label = body["label"] as? String, !label.isEmpty else {
            return validation("Invalid input JSON: a property group needs a `name` and a `label`")
        }
        guard companies ? s.companyGroups.insert(name).inserted : s.groups.insert(name).inserted else {
            return error(409, category: "CONFLICT", message: "A property group named '\(name)' already exists")
        }
        return Answer(status: 201, headers: jsonHeaders, body: json(["name": name, "label": label, "displayOrder": -1, "archived": false]))
    }

    /// Creates each property (name, label, type, fieldType, groupName required; the group must exist):
    /// 201 with them, or 207 with a `CONFLICT` error per property that already exists (by `context.name`).
    private static func createProperties(_ inputs: [[String: Any]], state s: inout State.Values, companies: Bool = false) -> Answer {
        guard inputs.count <= maxBatchSize else { return tooMany(inputs.count) }
        var results: [[String: Any]] = []
        var errors: [[String: Any]] = []
        for input in inputs {
            guard let name = input["name"] as? String, input["label"] is String, let type = input["type"] as? String,
                input["fieldType"] is String, let group = input["groupName"] as? String
            else {
                return validation("Invalid input JSON: a property needs name, label, type, fieldType and groupName")
            }
            guard (companies ? s.companyGroups : s.groups).contains(group) else {
                return validation("Property group '\(group)' does not exist")
            }
            if type == "enumeration", (input["options"] as? [Any])?.isEmpty ?? true {
                return validation("Property '\(name)' is an enumeration without options")
            }
            if (companies ? s.definedCompanyProperties : s.definedProperties).contains(name) {
                errors.append([
                    "status": "error", "category": "CONFLICT", "message": "Property named '\(name)' already exists.",
                    "context": ["name": [name]],
                ])
                continue
            }
            if companies { s.definedCompanyProperties.insert(name) } else { s.definedProperties.insert(name) }
            results.append(input)
        }
        let now = iso(Date())
        var body: [String: Any] = ["status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now]
        guard !errors.isEmpty else { return Answer(status: 201, headers: jsonHeaders, body: json(body)) }
        body["numErrors"] = errors.count
        body["errors"] = errors
        return Answer(status: 207, headers: jsonHeaders, body: json(body), category: "CONFLICT", message: errors[0]["message"] as? String)
    }

    // MARK: Tasks

    private static func createTasks(_ inputs: [[String: Any]], state s: inout State.Values, now: Date) -> Answer {
        guard inputs.count <= maxBatchSize else { return tooMany(inputs.count) }
        var made: [CRMTask] = []
        for (index, input) in inputs.enumerated() {
            guard let properties = input["properties"] as? [String: Any] else {
                return validation("Invalid input JSON: inputs[\(index)] needs a `properties` object")
            }
            var values: [String: String] = [:]
            for (name, value) in properties {
                guard taskProperties.contains(name) else { return validation("Property \"\(name)\" does not exist") }
                guard let text = value as? String, !(value is NSNumber) else {
                    return validation("\(jsonText(value)) is not a valid value for property \"\(name)\": property values must be strings")
                }
                if let allowed = taskEnumerations[name], !allowed.contains(text) {
                    return validation("\(text) was not one of the allowed options for \(name)")
                }
                values[name] = text
            }
            guard values["hs_timestamp"] != nil else { return validation("inputs[\(index)]: hs_timestamp is required for a task") }
            if let trace = input["objectWriteTraceId"], !(trace is String) || trace is NSNumber {
                return validation("Invalid input JSON: `objectWriteTraceId` must be a string")
            }
            var associations: [Int: [String]] = [:]
            for association in input["associations"] as? [[String: Any]] ?? [] {
                guard let to = (association["to"] as? [String: Any])?["id"] as? String,
                    let type = ((association["types"] as? [[String: Any]])?.first?["associationTypeId"] as? NSNumber)?.intValue
                else { return validation("inputs[\(index)]: an association needs `to.id` and `types[].associationTypeId`") }
                if type == 204, s.contacts[to] == nil {
                    return validation("inputs[\(index)]: cannot associate with contact \(to): no contact with that id")
                }
                associations[type, default: []].append(to)
            }
            made.append(
                CRMTask(
                    id: String(s.nextTaskId + made.count), properties: values, associations: associations,
                    traceId: input["objectWriteTraceId"] as? String, createdAt: now))
        }
        s.nextTaskId += made.count
        s.tasks += made
        let results = made.map { task -> [String: Any] in
            var result: [String: Any] = [
                "id": task.id, "properties": task.properties.merging(["hs_object_id": task.id]) { a, _ in a },
                "createdAt": iso(task.createdAt), "updatedAt": iso(task.createdAt), "archived": false,
            ]
            if let trace = task.traceId { result["objectWriteTraceId"] = trace }
            return result
        }
        let stamp = iso(now)
        return Answer(
            status: 201, headers: jsonHeaders,
            body: json([
                "status": "COMPLETE", "results": s.reversesResults ? results.reversed() : results, "startedAt": stamp, "completedAt": stamp,
            ]))
    }

    /// The 429 of a search over ``searchRateLimit`` a second, else nil (the search counted).
    private static func searchLimit(_ s: inout State.Values, now: Date) -> Answer? {
        s.searchTimes.removeAll { now.timeIntervalSince($0) >= 1 }
        guard s.searchTimes.count < s.searchRateLimit else {
            s.searchesRateLimited += 1
            var answer = rateLimitAnswer(policy: "SECONDLY", max: s.searchRateLimit, window: 1)
            answer.headers.append(HTTPHeader("Retry-After", "1"))
            return answer
        }
        s.searchTimes.append(now)
        return nil
    }

    private static func searchTasks(_ body: [String: Any], state s: inout State.Values, now: Date) -> Answer {
        if let limited = searchLimit(&s, now: now) { return limited }
        let groups = body["filterGroups"] as? [[String: Any]] ?? []
        guard groups.count <= 5 else { return validation("Search allows at most 5 filterGroups (got \(groups.count))") }
        func matches(_ task: CRMTask, _ filter: [String: Any]) -> Bool {
            guard let name = filter["propertyName"] as? String, let value = filter["value"] as? String else { return false }
            let text = task.properties[name] ?? (name == "hs_object_id" ? task.id : "")
            switch filter["operator"] as? String {
            case "EQ": return text == value
            case "CONTAINS_TOKEN":
                let tokens = text.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
                return tokens.contains(value.lowercased())
            default: return false
            }
        }
        let visible = s.tasks.filter { now.timeIntervalSince($0.createdAt) >= s.searchLag }
        let found = visible.filter { task in
            groups.contains { group in (group["filters"] as? [[String: Any]] ?? []).allSatisfy { matches(task, $0) } }
        }
        let wanted = (body["properties"] as? [String]) ?? ["hs_task_subject"]
        let results = found.prefix(100).map { task -> [String: Any] in
            var properties: [String: Any] = ["hs_object_id": task.id]
            for name in wanted { properties[name] = task.properties[name] ?? NSNull() }
            return ["id": task.id, "properties": properties, "createdAt": iso(task.createdAt), "archived": false]
        }
        return Answer(status: 200, headers: jsonHeaders, body: json(["total": found.count, "results": Array(results)]))
    }

    // MARK: Companies

    private static func companyProblem(_ properties: [String: Any], defined: Set<String>) -> Answer? {
        for (name, value) in properties {
            guard name == "domain" || name == "name" || defined.contains(name) else {
                return error(
                    400, category: "VALIDATION_ERROR", message: "Property \"\(name)\" does not exist",
                    extra: ["errors": [["message": "Property \"\(name)\" does not exist", "code": "PROPERTY_DOESNT_EXIST"]]])
            }
            guard value is String, !(value is NSNumber) else {
                return validation("\(jsonText(value)) is not a valid value for property \"\(name)\": property values must be strings")
            }
        }
        return nil
    }

    private static func createCompanies(_ inputs: [[String: Any]], state s: inout State.Values, now: Date) -> Answer {
        guard inputs.count <= maxBatchSize else { return tooMany(inputs.count) }
        for input in inputs {
            guard let properties = input["properties"] as? [String: Any] else {
                return validation("Invalid input JSON: every input needs `properties`")
            }
            if let problem = companyProblem(properties, defined: s.definedCompanyProperties) { return problem }
        }
        var results: [[String: Any]] = []
        for input in inputs {
            let properties = (input["properties"] as! [String: Any]).mapValues { $0 as! String }
            let id = s.createCompany(properties: properties, traceId: input["objectWriteTraceId"] as? String, at: now)
            var result: [String: Any] = [
                "id": id, "properties": properties, "createdAt": iso(now), "updatedAt": iso(now), "archived": false,
            ]
            if let trace = input["objectWriteTraceId"] { result["objectWriteTraceId"] = trace }
            results.append(result)
        }
        let stamp = iso(now)
        return Answer(
            status: 201, headers: jsonHeaders,
            body: json([
                "status": "COMPLETE", "results": s.reversesResults ? results.reversed() : results, "startedAt": stamp, "completedAt": stamp,
            ]))
    }

    private static func updateCompanies(_ inputs: [[String: Any]], state s: inout State.Values, now: Date) -> Answer {
        guard inputs.count <= maxBatchSize else { return tooMany(inputs.count) }
        for input in inputs {
            guard input["id"] is String, let properties = input["properties"] as? [String: Any] else {
                return validation("Invalid input JSON: every input needs a string `id` and `properties`")
            }
            if let problem = companyProblem(properties, defined: s.definedCompanyProperties) { return problem }
        }
        var results: [[String: Any]] = []
        var missing: [String] = []
        for input in inputs {
            let id = input["id"] as! String
            guard s.companies[id] != nil else {
                missing.append(id)
                continue
            }
            let properties = (input["properties"] as! [String: Any]).mapValues { $0 as! String }
            s.companies[id]!.properties.merge(properties) { $1 }
            s.companyWrites.append((id, input["objectWriteTraceId"] as? String, properties))
            var result: [String: Any] = ["id": id, "properties": s.companies[id]!.properties, "updatedAt": iso(now), "archived": false]
            if let trace = input["objectWriteTraceId"] { result["objectWriteTraceId"] = trace }
            results.append(result)
        }
        return batchAnswer(results: s.reversesResults ? results.reversed() : results, missing: missing)
    }

    private static func searchCompanies(_ body: [String: Any], state s: inout State.Values, now: Date) -> Answer {
        if let limited = searchLimit(&s, now: now) { return limited }
        let groups = body["filterGroups"] as? [[String: Any]] ?? []
        guard groups.count <= 5 else { return validation("Search allows at most 5 filterGroups (got \(groups.count))") }
        let wanted = groups.compactMap { group -> String? in
            guard let filter = (group["filters"] as? [[String: Any]])?.first, filter["propertyName"] as? String == "domain",
                filter["operator"] as? String == "EQ"
            else { return nil }
            return (filter["value"] as? String)?.lowercased()
        }
        let found = s.companies.values.filter { c in
            now.timeIntervalSince(c.createdAt) >= s.searchLag && wanted.contains(c.domain?.lowercased() ?? "")
        }.sorted { Int($0.id) ?? 0 < Int($1.id) ?? 0 }
        let results = found.map { c -> [String: Any] in
            let properties: [String: Any] = [
                "domain": c.domain as Any? ?? NSNull(), "name": c.properties["name"] as Any? ?? NSNull(), "hs_object_id": c.id,
            ]
            return ["id": c.id, "properties": properties, "archived": false]
        }
        return Answer(status: 200, headers: jsonHeaders, body: json(["total": results.count, "results": results]))
    }

    private static func readAssociations(_ inputs: [[String: Any]], state s: inout State.Values) -> Answer {
        guard inputs.count <= 1000 else { return tooMany(inputs.count) }
        var results: [[String: Any]] = []
        for input in inputs {
            guard let id = input["id"] as? String else { return validation("Invalid input JSON: every input needs a string `id`") }
            let companies = s.companies.values.filter { $0.contacts.contains(id) }.sorted { Int($0.id) ?? 0 < Int($1.id) ?? 0 }
            guard !companies.isEmpty else { continue }
            results.append([
                "from": ["id": id],
                "to": companies.map {
                    [
                        "toObjectId": Int($0.id) ?? 0,
                        "associationTypes": [["category": "HUBSPOT_DEFINED", "typeId": 279, "label": NSNull()]],
                    ]
                },
            ])
        }
        return Answer(status: 200, headers: jsonHeaders, body: json(["status": "COMPLETE", "results": results]))
    }

    private static func associate(_ inputs: [[String: Any]], state s: inout State.Values) -> Answer {
        guard inputs.count <= maxBatchSize else { return tooMany(inputs.count) }
        var pairs: [(String, String)] = []
        for input in inputs {
            guard let from = (input["from"] as? [String: Any])?["id"] as? String, let to = (input["to"] as? [String: Any])?["id"] as? String
            else {
                return validation("Invalid input JSON: every input needs `from.id` and `to.id`")
            }
            guard s.companies[from] != nil, s.contacts[to] != nil else {
                return validation("No company \(from) or no contact \(to) to associate")
            }
            pairs.append((from, to))
        }
        for (company, contact) in pairs { s.companies[company]!.contacts.insert(contact) }
        let results = pairs.map {
            [
                "fromObjectTypeId": "0-2", "fromObjectId": Int($0.0) ?? 0, "toObjectTypeId": "0-1", "toObjectId": Int($0.1) ?? 0,
                "labels": [] as [Any],
            ] as [String: Any]
        }
        return Answer(status: 200, headers: jsonHeaders, body: json(["status": "COMPLETE", "results": results]))
    }

    // MARK: batch/read

    private static func read(_ body: [String: Any], inputs: [[String: Any]], state s: inout State.Values) -> Answer {
        guard inputs.count <= maxBatchSize else { return tooMany(inputs.count) }
        let idProperty = body["idProperty"] as? String
        if let idProperty, idProperty != "email", idProperty != "hs_object_id" {
            return validation("Unable to perform read by non-unique \(idProperty) property")
        }
        let byEmail = idProperty == "email"
        var ids: [String] = []
        for input in inputs {
            guard let id = input["id"] as? String else { return validation("Invalid input JSON: every input needs a string `id`") }
            ids.append(id)
        }
        let wanted = (body["properties"] as? [Any])?.compactMap { $0 as? String } ?? []
        var results: [[String: Any]] = []
        var missing: [String] = []
        var seen: Set<String> = []
        for id in ids {
            let recordId = byEmail ? s.idsByEmail[normalized(id)] : id
            guard let recordId, let contact = s.contacts[recordId] else {
                missing.append(id)
                continue
            }
            guard seen.insert(recordId).inserted else { continue }
            var properties: [String: Any] = [
                "hs_object_id": contact.id, "createdate": iso(contact.createdAt), "lastmodifieddate": iso(contact.updatedAt),
            ]
            for name in wanted { properties[name] = contact.properties[name] ?? NSNull() }
            var result: [String: Any] = [
                "id": contact.id, "properties": properties, "createdAt": iso(contact.createdAt),
                "updatedAt": iso(contact.updatedAt), "archived": false,
            ]
            if let names = body["propertiesWithHistory"] as? [String] {
                result["propertiesWithHistory"] = history(of: "contact:\(contact.id)", names, s)
            }
            results.append(result)
        }
        return batchAnswer(results: s.reversesResults ? results.reversed() : results, missing: missing)
    }

    /// `{name: [{value, timestamp, sourceType}]}`, newest first, as HubSpot's `propertiesWithHistory`.
    private static func history(of record: String, _ names: [String], _ s: State.Values) -> [String: Any] {
        var out: [String: Any] = [:]
        for name in names {
            out[name] = (s.history["\(record):\(name)"] ?? []).reversed().map {
                ["value": $0.value, "timestamp": iso($0.at), "sourceType": "CRM_UI", "sourceId": "userId:1"] as [String: Any]
            }
        }
        return out
    }

    private static func readCompanies(_ body: [String: Any], inputs: [[String: Any]], state s: inout State.Values) -> Answer {
        guard inputs.count <= maxBatchSize else { return tooMany(inputs.count) }
        let wanted = (body["properties"] as? [Any])?.compactMap { $0 as? String } ?? []
        var results: [[String: Any]] = []
        var missing: [String] = []
        for input in inputs {
            guard let id = input["id"] as? String else { return validation("Invalid input JSON: every input needs a string `id`") }
            guard let company = s.companies[id] else {
                missing.append(id)
                continue
            }
            var properties: [String: Any] = ["hs_object_id": id]
            for name in wanted { properties[name] = company.properties[name] ?? NSNull() }
            var result: [String: Any] = ["id": id, "properties": properties, "createdAt": iso(company.createdAt), "archived": false]
            if let names = body["propertiesWithHistory"] as? [String] {
                result["propertiesWithHistory"] = history(of: "company:\(id)", names, s)
            }
            results.append(result)
        }
        return batchAnswer(results: results, missing: missing)
    }

    // MARK: batch/upsert and batch/update

    private static func write(_ request: Request, path: String, inputs: [[String: Any]], state s: inout State.Values, now: Date) -> Answer {
        let upsert = path == upsertPath
        // Recorded first; marked rejected if the batch is refused.
        let first = s.writes.count
        for input in inputs {
            let properties = (input["properties"] as? [String: Any] ?? [:]).mapValues(jsonText)
            s.writes.append(
                Write(
                    requestIndex: request.index, path: path, traceId: input["objectWriteTraceId"] as? String,
                    id: input["id"] as? String ?? jsonText(input["id"] ?? NSNull()),
                    idProperty: input["idProperty"] as? String, properties: properties, recordId: nil, outcome: .rejected))
        }
        if let refusal = validateWrite(inputs, upsert: upsert, defined: s.definedProperties) { return refusal }

        var results: [[String: Any]] = []
        var missing: [String] = []
        for (offset, input) in inputs.enumerated() {
            let id = input["id"] as! String
            let properties = (input["properties"] as? [String: Any] ?? [:]).mapValues { $0 as! String }
            let recordId: String
            let created: Bool
            if upsert {
                if let existing = s.idsByEmail[normalized(id)] {
                    recordId = existing
                    created = false
                } else {
                    recordId = s.create(email: id, properties: [:], at: now)
                    created = true
                }
            } else {
                guard s.contacts[id] != nil else {
                    missing.append(id)
                    s.writes[first + offset].outcome = .notFound
                    continue
                }
                recordId = id
                created = false
            }
            s.update(recordId, with: properties, at: now)
            s.writes[first + offset].recordId = recordId
            s.writes[first + offset].outcome = created ? .created : .updated
            let contact = s.contacts[recordId]!
            var echoed: [String: Any] = properties
            echoed["hs_object_id"] = recordId
            echoed["createdate"] = iso(contact.createdAt)
            echoed["lastmodifieddate"] = iso(contact.updatedAt)
            if upsert { echoed["email"] = contact.email }
            var result: [String: Any] = [
                "id": recordId, "properties": echoed, "createdAt": iso(contact.createdAt),
                "updatedAt": iso(contact.updatedAt), "archived": false,
            ]
            if let trace = input["objectWriteTraceId"] { result["objectWriteTraceId"] = trace }
            if upsert { result["new"] = created }
            results.append(result)
        }
        return batchAnswer(results: s.reversesResults ? results.reversed() : results, missing: missing)
    }

    /// One `@` with something before it and a dotted domain after it, no spaces.
    static func isAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !text.contains(where: \.isWhitespace) else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { !$0.isEmpty }
    }

    /// The 400 that refuses the whole batch, if any.
    private static func validateWrite(_ inputs: [[String: Any]], upsert: Bool, defined: Set<String>) -> Answer? {
        guard inputs.count <= maxBatchSize else { return tooMany(inputs.count) }
        var ids: [String] = []
        var problems: [(name: String, error: String, message: String)] = []
        for input in inputs {
            guard let id = input["id"] as? String, !id.isEmpty else {
                return validation("Invalid input JSON: every input needs a non-empty string `id`")
            }
            let idProperty = input["idProperty"] as? String
            if upsert {
                guard idProperty == "email" else {
                    return validation(
                        idProperty == nil
                            ? "Upsert inputs need an `idProperty`; contacts are upserted by the unique property `email`"
                            : "Unable to perform update/upsert by non-unique \(idProperty!) property")
                }
            } else if input["idProperty"] != nil, idProperty != "hs_object_id" {
                return validation(
                    idProperty == "email"
                        ? nonUniqueEmailMessage
                        : "Unable to perform update/upsert by non-unique \(idProperty ?? jsonText(input["idProperty"]!)) property")
            }
            if let trace = input["objectWriteTraceId"], !(trace is String) || trace is NSNumber {
                return validation("Invalid input JSON: `objectWriteTraceId` must be a string")
            }
            guard let properties = input["properties"] as? [String: Any] else {
                return validation("Invalid input JSON: every input needs a `properties` object")
            }
            ids.append(upsert ? normalized(id) : id)
            if upsert && !isAddress(id) {
                problems.append(("email", "INVALID_EMAIL", "Email address \(id) is invalid"))
            }
            for name in properties.keys.sorted() {
                let value = properties[name]!
                if !defined.contains(name) {
                    problems.append((name, "PROPERTY_DOESNT_EXIST", "Property \"\(name)\" does not exist"))
                } else if value is NSNumber || !(value is String) {
                    problems.append(
                        (
                            name, "INVALID_STRING",
                            "\(jsonText(value)) is not a valid value for property \"\(name)\": property values must be strings (send numbers as strings)"
                        ))
                } else if (value as! String).count > maxValueLength {
                    problems.append(
                        (
                            name, "MAX_LENGTH_EXCEEDED",
                            "Property \"\(name)\" value is \((value as! String).count) characters long; the maximum is \(maxValueLength)"
                        ))
                }
            }
        }
        let duplicates = Dictionary(grouping: ids, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
        if !duplicates.isEmpty {
            return validation("Duplicate IDs found in batch input: [\(duplicates.joined(separator: ", "))]. IDs must be unique")
        }
        guard problems.isEmpty else {
            let details = problems.map { problem -> [String: Any] in
                [
                    "isValid": false, "message": problem.message, "error": problem.error, "name": problem.name,
                    "localizedErrorMessage": problem.message,
                ]
            }
            let message = "Property values were not valid: " + String(decoding: json(details), as: UTF8.self)
            let errors = problems.map { problem -> [String: Any] in
                ["message": problem.message, "code": problem.error, "context": ["propertyName": [problem.name]]]
            }
            return error(400, category: "VALIDATION_ERROR", message: message, extra: ["errors": errors])
        }
        return nil
    }

    // MARK: Answers

    /// 200 with the results, or 207 with them and one `OBJECT_NOT_FOUND` error naming the missing ids.
    private static func batchAnswer(results: [[String: Any]], missing: [String]) -> Answer {
        let now = iso(Date())
        var body: [String: Any] = ["status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now]
        guard !missing.isEmpty else {
            return Answer(status: 200, headers: jsonHeaders, body: json(body))
        }
        body["numErrors"] = 1
        body["errors"] = [
            [
                "status": "error", "category": "OBJECT_NOT_FOUND", "message": notFoundMessage,
                "context": ["ids": missing], "errors": [] as [Any], "links": [:] as [String: Any],
            ] as [String: Any]
        ]
        return Answer(status: 207, headers: jsonHeaders, body: json(body), category: "OBJECT_NOT_FOUND", message: notFoundMessage)
    }

    private static func tooMany(_ count: Int) -> Answer {
        validation("Too many inputs: \(count). The maximum batch size is \(maxBatchSize) inputs")
    }

    private static func validation(_ message: String) -> Answer {
        error(400, category: "VALIDATION_ERROR", message: message)
    }

    private static func error(_ status: Int, category: String, message: String, extra: [String: Any] = [:]) -> Answer {
        Answer(
            status: status, headers: jsonHeaders, body: errorBody(message: message, category: category, extra: extra),
            category: category, message: message)
    }

    /// `{"status":"error","message":…,"correlationId":…,"category":…}` plus `extra`.
    public static func errorBody(message: String, category: String, extra: [String: Any] = [:]) -> Data {
        var body: [String: Any] = [
            "status": "error", "message": message, "correlationId": UUID().uuidString.lowercased(), "category": category,
        ]
        body.merge(extra) { $1 }
        return json(body)
    }

    private static func rateLimitAnswer(policy: String, max: Int, window: Double) -> Answer {
        let message = policy == "DAILY" ? "You have reached your daily limit." : "You have reached your \(policy.lowercased()) limit."
        let body: [String: Any] = [
            "status": "error", "message": message, "errorType": "RATE_LIMIT", "correlationId": UUID().uuidString.lowercased(),
            "policyName": policy, "groupName": "publicapi:private-app:fake",
        ]
        return Answer(
            status: 429,
            headers: jsonHeaders + [
                HTTPHeader("X-HubSpot-RateLimit-Interval-Milliseconds", String(Int(window * 1000))),
                HTTPHeader("X-HubSpot-RateLimit-Max", String(max)),
                HTTPHeader("X-HubSpot-RateLimit-Remaining", "0"),
            ], body: json(body), category: "RATE_LIMIT", message: message)
    }

    // MARK: Helpers

    static func normalized(_ email: String) -> String {
        email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    private static func json(_ object: Any) -> Data {
        try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
    }

    /// A value as JSON text (a string as itself).
    private static func jsonText(_ value: Any) -> String {
        if let string = value as? String, !(value is NSNumber) { return string }
        return String(decoding: json(value), as: UTF8.self)
    }

    private static func iso(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

// MARK: - Shared state

extension FakeHubSpotServer {
    /// Contacts, configuration and records, written by the connection threads.
    final class State: Sendable {
        struct Values {
            var definedProperties: Set<String>
            var groups: Set<String> = ["contactinformation"]
            var companyGroups: Set<String> = ["companyinformation"]
            var rateLimit: Int
            var rateLimitWindow: Double
            var dailyLimitReached = false
            var reversesResults = true
            var budgetTimes: [Date] = []
            var faults: [Fault]
            var script: FaultScript?
            var contacts: [String: Contact] = [:]
            var idsByEmail: [String: String] = [:]
            var nextId = 1001
            var portalId: Int? = 12_345_678
            var requests: [Request] = []
            var writes: [Write] = []
            var tasks: [CRMTask] = []
            var companies: [String: Company] = [:]
            var companyWrites: [(id: String, traceId: String?, properties: [String: String])] = []
            var definedCompanyProperties = FakeHubSpotServer.defaultDefinedProperties.subtracting(["email", "pql_contact_score"])
            var autoCreatesCompanies = false
            var grantedScopes: Set<String>?
            var nextCompanyId = 50_001
            /// Each property's values with when they were set, by "contact:ID:NAME" or "company:ID:NAME", oldest first.
            var history: [String: [(value: String, at: Date)]] = [:]
            var nextTaskId = 90_001
            var searchLag: Double = 0
            var searchRateLimit = 5
            var searchTimes: [Date] = []
            var searchesRateLimited = 0

            mutating func create(email: String, properties: [String: String], at now: Date) -> String {
                let id = String(nextId)
                nextId += 1
                let normalized = FakeHubSpotServer.normalized(email)
                var all = properties
                all["email"] = normalized
                contacts[id] = Contact(id: id, email: normalized, properties: all, createdAt: now, updatedAt: now)
                idsByEmail[normalized] = id
                if autoCreatesCompanies, let domain = normalized.split(separator: "@").last.map(String.init) {
                    let company =
                        companies.values.first { $0.domain?.lowercased() == domain }?.id
                        ?? createCompany(properties: ["domain": domain, "name": domain], traceId: nil, at: now)
                    companies[company]?.contacts.insert(id)
                }
                return id
            }

            mutating func createCompany(properties: [String: String], traceId: String?, at now: Date) -> String {
                let id = String(nextCompanyId)
                nextCompanyId += 1
                companies[id] = Company(id: id, properties: properties, contacts: [], traceId: traceId, createdAt: now)
                return id
            }

            /// Sets the properties; a new `email` re-keys the contact.
            mutating func update(_ id: String, with properties: [String: String], at now: Date) {
                guard var contact = contacts[id] else { return }
                if let email = properties["email"].map(FakeHubSpotServer.normalized), email != contact.email {
                    idsByEmail[contact.email] = nil
                    idsByEmail[email] = id
                    contact.email = email
                }
                contact.properties.merge(properties) { $1 }
                contact.properties["email"] = contact.email
                contact.updatedAt = now
                contacts[id] = contact
                for (name, value) in properties { history["contact:\(id):\(name)", default: []].append((value, now)) }
            }
        }

        private let values: Mutex<Values>

        init(definedProperties: Set<String>, rateLimit: Int, rateLimitWindow: Double, faults: [Fault]) {
            values = Mutex(
                Values(definedProperties: definedProperties, rateLimit: rateLimit, rateLimitWindow: rateLimitWindow, faults: faults))
        }

        func withLock<T>(_ body: (inout Values) -> T) -> T { values.withLock { body(&$0) } }
    }
}
