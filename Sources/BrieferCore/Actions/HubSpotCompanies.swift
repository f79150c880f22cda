/// The HubSpot requests that put an account on its company record (SPEC §6.1), and what their answers say: the company
/// the account's contacts are associated with (associations v4), else the one its domain finds (search), else — only
/// for configured tiers — one created, carrying its key; the account's properties written to it by record id; its
/// contacts associated with it.
public enum HubSpotCompanies {
    public static let createPath = "/crm/v3/objects/companies/batch/create"
    public static let updatePath = "/crm/v3/objects/companies/batch/update"
    public static let searchPath = "/crm/v3/objects/companies/search"
    /// The companies each contact is associated with.
    public static let associationsReadPath = "/crm/v4/associations/contacts/companies/batch/read"
    /// Associates companies with contacts by the default (unlabelled) association; associating twice changes nothing.
    public static let associatePath = "/crm/v4/associations/companies/contacts/batch/associate/default"
    /// The property definitions on companies.
    public static let groupPath = "/crm/v3/properties/companies/groups"
    public static let propertiesPath = "/crm/v3/properties/companies/batch/create"
    /// Domains per search: one filter group each, HubSpot's most.
    public static let domainsPerSearch = 5

    /// The key a created company carries (`objectWriteTraceId`): one per account.
    public static func key(account: String) -> String { "briefercompany" + StableHash.hex(account).prefix(24) }

    /// A search for the companies of these domains (at most ``domainsPerSearch``).
    public static func searchBody(domains: [String]) -> JSONValue {
        .object([
            (
                "filterGroups",
                .array(
                    domains.map { domain in
                        .object([
                            (
                                "filters",
                                .array([
                                    .object([
                                        ("propertyName", .string("domain")), ("operator", .string("EQ")), ("value", .string(domain)),
                                    ])
                                ])
                            )
                        ])
                    })
            ),
            ("properties", .array([.string("domain"), .string("name")])),
            ("limit", .number("100")),
        ])
    }

    /// A search answer: per domain (lowercased), the oldest company holding it (HubSpot does not keep domains unique).
    public static func found(_ answer: JSONValue?) -> [String: String] {
        guard case let .array(results)? = answer?["results"] else { return [:] }
        var byDomain: [String: String] = [:]
        for result in results {
            guard let id = result["id"]?.stringValue ?? result["id"]?.integerValue.map(String.init),
                let domain = result["properties"]?["domain"]?.stringValue?.lowercased()
            else { continue }
            if let known = byDomain[domain], (Int64(known) ?? .max) <= (Int64(id) ?? .max) { continue }
            byDomain[domain] = id
        }
        return byDomain
    }

    /// One `batch/create` input: the domain, the name, the account's properties, the key.
    public static func createInput(key: String, domain: String, name: String?, properties: [(name: String, value: String)]) -> JSONValue {
        var all: [(String, JSONValue)] = [("domain", .string(domain))]
        if let name, !name.isEmpty { all.append(("name", .string(name))) }
        all += properties.map { ($0.name, .string($0.value)) }
        return .object([("properties", .object(all)), ("objectWriteTraceId", .string(key))])
    }

    /// `{"inputs": [{"id": contactId}]}`.
    public static func associationsReadBody(contactIds: [String]) -> JSONValue {
        .object([("inputs", .array(contactIds.map { .object([("id", .string($0))]) }))])
    }

    /// An associations read answer: contact record id → the company ids it is associated with.
    public static func associated(_ answer: JSONValue?) -> [String: [String]] {
        guard case let .array(results)? = answer?["results"] else { return [:] }
        var out: [String: [String]] = [:]
        for result in results {
            guard let from = result["from"]?["id"]?.stringValue ?? result["from"]?["id"]?.integerValue.map(String.init),
                case let .array(targets)? = result["to"]
            else { continue }
            out[from] = targets.compactMap { $0["toObjectId"]?.integerValue.map(String.init) ?? $0["toObjectId"]?.stringValue }
        }
        return out
    }

    /// The company most of an account's contacts are associated with (the oldest on a tie), if any.
    public static func majority(_ companies: [[String]]) -> String? {
        var counts: [String: Int] = [:]
        for ids in companies { for id in Set(ids) { counts[id, default: 0] += 1 } }
        return counts.max { a, b in a.value != b.value ? a.value < b.value : (Int64(a.key) ?? .max) > (Int64(b.key) ?? .max) }?.key
    }

    /// `{"inputs": [{"from": {"id": company}, "to": {"id": contact}}]}`.
    public static func associateBody(_ pairs: [(company: String, contact: String)]) -> JSONValue {
        .object([
            (
                "inputs",
                .array(
                    pairs.map {
                        .object([("from", .object([("id", .string($0.company))])), ("to", .object([("id", .string($0.contact))]))])
                    })
            )
        ])
    }
}
