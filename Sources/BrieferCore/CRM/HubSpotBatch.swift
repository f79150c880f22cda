/// HubSpot CRM v3 contact batch requests and what their answers say (SPEC §6).
public enum HubSpotBatch {
    public static let upsertPath = "/crm/v3/objects/contacts/batch/upsert"
    public static let readPath = "/crm/v3/objects/contacts/batch/read"
    public static let updatePath = "/crm/v3/objects/contacts/batch/update"
    /// HubSpot's most inputs per batch.
    public static let maxInputs = 100

    /// `batch/upsert` by email: creates the contacts the CRM lacks.
    public static func upsertBody(_ items: [OutboxItem]) -> JSONValue {
        .object([
            (
                "inputs",
                .array(
                    items.map { item in
                        .object([
                            ("id", .string(item.email)), ("idProperty", .string("email")),
                            ("objectWriteTraceId", .string(item.traceId)), ("properties", properties(item)),
                        ])
                    })
            )
        ])
    }

    /// `batch/update` by record id (HubSpot refuses `idProperty: "email"` there).
    public static func updateBody(_ items: [(recordId: String, item: OutboxItem)]) -> JSONValue {
        .object([
            (
                "inputs",
                .array(
                    items.map { entry in
                        .object([
                            ("id", .string(entry.recordId)), ("objectWriteTraceId", .string(entry.item.traceId)),
                            ("properties", properties(entry.item)),
                        ])
                    })
            )
        ])
    }

    /// `batch/read` by email, asking for the email (resolves record ids) and any other `properties`.
    public static func readBody(emails: [String], properties: [String] = []) -> JSONValue {
        .object([
            ("idProperty", .string("email")), ("properties", .array((["email"] + properties).map { .string($0) })),
            ("inputs", .array(emails.map { .object([("id", .string($0))]) })),
        ])
    }

    static func properties(_ item: OutboxItem) -> JSONValue {
        .object(item.properties.map { ($0.name, JSONValue.string($0.value)) })
    }

    /// The answer to a batch request (200 or 207).
    public struct Answer: Sendable, Equatable {
        public struct Result: Sendable, Equatable {
            /// The record id.
            public var id: String
            public var traceId: String?
            /// The `email` property when the answer carries it (read, upsert), lowercased.
            public var email: String?
            /// The `hubspot_owner_id` property when the answer carries one (a read that asked for it).
            public var ownerId: String? = nil
        }

        public struct Failure: Sendable, Equatable {
            public var category: String
            public var message: String
            /// The input ids the error is about (`context.ids`): emails or record ids, as sent.
            public var ids: [String]
            public var traceIds: [String]
        }

        public var results: [Result]
        public var errors: [Failure]

        /// Reads a batch answer; nil when the body is not one.
        public static func parse(_ body: [UInt8]) -> Answer? {
            guard let root = try? body.withUnsafeBufferPointer({ try JSONParser.parse($0) }),
                case let .array(results)? = root["results"]
            else { return nil }
            let parsed = results.compactMap { result -> Result? in
                guard let id = result["id"]?.stringValue ?? result["id"]?.integerValue.map(String.init) else { return nil }
                let owner = result["properties"]?["hubspot_owner_id"]?.stringValue?.trimmedWhitespace
                return Result(
                    id: id, traceId: result["objectWriteTraceId"]?.stringValue,
                    email: result["properties"]?["email"]?.stringValue?.lowercased(), ownerId: owner?.isEmpty == false ? owner : nil)
            }
            return Answer(results: parsed, errors: failures(root))
        }

        /// The `errors` of a batch answer (a 207's multi-status).
        public static func errors(in body: [UInt8]) -> [Failure] {
            guard let root = try? body.withUnsafeBufferPointer({ try JSONParser.parse($0) }) else { return [] }
            return failures(root)
        }

        static func failures(_ root: JSONValue) -> [Failure] {
            guard case let .array(items)? = root["errors"] else { return [] }
            return items.map { error in
                let context = error["context"]
                return Failure(
                    category: error["category"]?.stringValue ?? "ERROR", message: error["message"]?.stringValue ?? "",
                    ids: strings(context?["ids"]) + strings(context?["name"]),
                    traceIds: strings(context?["objectWriteTraceId"]))
            }
        }

        static func strings(_ value: JSONValue?) -> [String] {
            switch value {
            case let .array(items)?: return items.compactMap(\.stringValue)
            case let .string(text)?: return [text]
            default: return []
            }
        }
    }

    /// A HubSpot error body (`{"status":"error","message":…,"category":…}`, `policyName` on a 429).
    public struct ErrorBody: Sendable, Equatable {
        public var category: String?
        public var message: String?
        public var policyName: String?
        /// The per-property error codes of a 400 `VALIDATION_ERROR`: `errors[].code`, and the `"error"`
        /// members HubSpot writes into its message ("Property values were not valid: [{…"error":"INVALID_EMAIL"…}]").
        public var codes: Set<String> = []

        /// Codes that say the batch's shape is wrong (a property the CRM lacks or will not let be written),
        /// whatever its inputs are.
        public static let shapeCodes: Set<String> = ["PROPERTY_DOESNT_EXIST", "READ_ONLY_VALUE"]

        /// Every code found is a shape code: splitting the batch would only be refused again.
        public var refusesEveryInput: Bool { !codes.isEmpty && codes.isSubset(of: Self.shapeCodes) }

        public static func parse(_ body: [UInt8]) -> ErrorBody {
            guard let root = try? body.withUnsafeBufferPointer({ try JSONParser.parse($0) }) else { return ErrorBody() }
            let message = root["message"]?.stringValue
            var codes: Set<String> = []
            if case let .array(errors)? = root["errors"] { codes = Set(errors.compactMap { $0["code"]?.stringValue }) }
            if let message {
                for match in message.matches(of: /"error"\s*:\s*"([A-Z_]+)"/) { codes.insert(String(match.1)) }
            }
            return ErrorBody(
                category: root["category"]?.stringValue ?? root["errorType"]?.stringValue,
                message: message, policyName: root["policyName"]?.stringValue, codes: codes)
        }
    }
}

extension HubSpotBatch {
    /// What a batch write's answer says of each change sent.
    public struct WriteResult: Sendable, Equatable {
        public var outcomes: [OutboxOutcome]
        /// Email → record id, for every change applied.
        public var recordIds: [String: String]
        /// The emails of the contacts the CRM does not know.
        public var missing: [String]
    }

    /// Reads a 2xx answer to `batch/upsert` (`upsert`) or `batch/update` of `items`: a change is done when a result
    /// carries its trace id (or, for an update, the record id it was sent under: never by position), missing on
    /// `OBJECT_NOT_FOUND`, pending with HubSpot's error otherwise, and pending when the answer does not name it.
    /// - Parameters:
    ///   - recordIds: for an update, the record id each change was sent under.
    ///   - redact: applied to HubSpot's error messages before they are kept.
    public static func read(
        _ answer: Answer, status: Int, items: [OutboxItem], upsert: Bool, recordIds byRecordId: [String: OutboxItem] = [:],
        redact: (String) -> String = { $0 }
    ) -> WriteResult {
        let operation = upsert ? "batch/upsert" : "batch/update"
        let byTrace = Dictionary(items.map { ($0.traceId, $0) }, uniquingKeysWith: { a, _ in a })
        var outcomes: [Int64: OutboxOutcome] = [:]
        var recordIds: [String: String] = [:]
        for result in answer.results {
            guard let item = result.traceId.flatMap({ byTrace[$0] }) ?? (upsert ? nil : byRecordId[result.id]) else { continue }
            outcomes[item.id] = OutboxOutcome(itemId: item.id, status: .done, httpStatus: status)
            recordIds[item.email] = result.id
        }
        var missing: [String] = []
        for error in answer.errors {
            let named =
                error.traceIds.compactMap { byTrace[$0] }
                + error.ids.compactMap { id in upsert ? items.first { $0.email == id.lowercased() } : byRecordId[id] }
            for item in named where outcomes[item.id] == nil {
                if error.category == "OBJECT_NOT_FOUND" {
                    outcomes[item.id] = OutboxOutcome(
                        itemId: item.id, status: .missing, httpStatus: status,
                        message: "not in the CRM (\(operation): OBJECT_NOT_FOUND): \(error.message)")
                    missing.append(item.email)
                } else {
                    outcomes[item.id] = OutboxOutcome(
                        itemId: item.id, status: .pending, httpStatus: status,
                        message: "\(error.category): \(redact(error.message)) (sent again next run)")
                }
            }
        }
        return WriteResult(
            outcomes: items.map {
                outcomes[$0.id]
                    ?? OutboxOutcome(
                        itemId: $0.id, status: .pending, httpStatus: status,
                        message: "absent from the CRM's results: counted as failed (sent again next run)")
            },
            recordIds: recordIds, missing: missing)
    }
}

extension HubSpotBatch {
    /// Reads a 2xx answer to `batch/read` by email for the changes of `items`: the record ids found, the
    /// contacts the CRM does not know (`OBJECT_NOT_FOUND`), whose changes are missing, and the changes whose
    /// email the answer names nowhere (pending). The changes of contacts found are not settled: they are sent.
    public static func readLookup(_ answer: Answer, status: Int, items: [OutboxItem]) -> WriteResult {
        var recordIds: [String: String] = [:]
        for result in answer.results { if let email = result.email { recordIds[email] = result.id } }
        let notFound = Set(answer.errors.filter { $0.category == "OBJECT_NOT_FOUND" }.flatMap(\.ids).map { $0.lowercased() })
        let outcomes = items.filter { recordIds[$0.email] == nil }.map { item in
            notFound.contains(item.email)
                ? OutboxOutcome(
                    itemId: item.id, status: .missing, httpStatus: status,
                    message: "not in the CRM (batch/read: OBJECT_NOT_FOUND); its tier does not create contacts")
                : OutboxOutcome(
                    itemId: item.id, status: .pending, httpStatus: status,
                    message: "record id look-up: the email is neither in the results nor in the errors")
        }
        return WriteResult(outcomes: outcomes, recordIds: recordIds, missing: notFound.sorted())
    }
}

extension HubSpotBatch {
    /// What a `batch/create` or search answer says: record id by key — the result's `objectWriteTraceId`, else (a search,
    /// whose results carry none) the key a task's body ends with.
    public static func createdIds(_ answer: JSONValue?) -> [String: String] {
        guard case let .array(results)? = answer?["results"] else { return [:] }
        var ids: [String: String] = [:]
        for result in results {
            guard let id = result["id"]?.stringValue ?? result["id"]?.integerValue.map(String.init) else { continue }
            let key =
                result["objectWriteTraceId"]?.stringValue
                ?? result["properties"]?["hs_task_body"]?.stringValue.flatMap(HubSpotTask.key(inBody:))
            if let key { ids[key] = id }
        }
        return ids
    }
}
