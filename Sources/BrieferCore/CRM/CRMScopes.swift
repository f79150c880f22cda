/// The HubSpot scopes each enabled feature needs (SPEC §6.1: `briefer crm check`), and what HubSpot says of a token's.
public enum CRMScopes {
    /// `POST` with `{"tokenKey": TOKEN}`: a private app token's hub, app and scopes (the token in the body, never a URL).
    public static let tokenInfoPath = "/oauth/v2/private-apps/get/access-token-info"

    public struct Need: Sendable, Equatable {
        public var feature: String
        public var scopes: [String]
    }

    /// What the configuration turns on, and the scopes each needs.
    public static func needs(_ c: BrieferConfiguration) -> [Need] {
        var needs = [
            Need(feature: "contact properties (sync --push)", scopes: ["crm.objects.contacts.read", "crm.objects.contacts.write"]),
            Need(feature: "property definitions (crm properties --apply)", scopes: ["crm.schemas.contacts.write"]),
        ]
        let a = c.actions
        guard a.enabled else { return needs }
        needs.append(Need(feature: "owners read from HubSpot (hubspot_owner_id)", scopes: ["crm.objects.contacts.read"]))
        // HubSpot's tasks API takes the contacts scopes.
        if a.tasks.enabled { needs.append(Need(feature: "tasks (actions.tasks)", scopes: ["crm.objects.contacts.write"])) }
        if a.companies.enabled {
            needs.append(
                Need(
                    feature: "company records and associations (actions.companies)",
                    scopes: ["crm.objects.companies.read", "crm.objects.companies.write", "crm.objects.contacts.read"]))
            needs.append(Need(feature: "property definitions on companies", scopes: ["crm.schemas.companies.write"]))
        }
        if a.feedback.enabled {
            needs.append(
                Need(
                    feature: "reps' feedback read back (actions.feedback)",
                    scopes: ["crm.objects.contacts.read"] + (a.companies.enabled ? ["crm.objects.companies.read"] : [])))
        }
        return needs
    }

    /// The scopes of a token-info answer (nil when it names none).
    public static func granted(_ answer: JSONValue?) -> Set<String>? {
        guard case let .array(items)? = answer?["scopes"] else { return nil }
        return Set(items.compactMap(\.stringValue))
    }

    /// The scopes a 403 says are missing (`errors[].context.requiredGranularScopes` or `requiredScopes`), in order.
    public static func missing(in errorBody: [UInt8]) -> [String] {
        guard let root = try? errorBody.withUnsafeBufferPointer({ try JSONParser.parse($0) }), case let .array(errors)? = root["errors"]
        else {
            return []
        }
        var out: [String] = []
        for error in errors {
            for key in ["requiredGranularScopes", "requiredScopes"] {
                if case let .array(scopes)? = error["context"]?[key] {
                    for scope in scopes.compactMap(\.stringValue) where !out.contains(scope) { out.append(scope) }
                }
            }
        }
        return out
    }
}
