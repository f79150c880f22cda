/// The property group and property definitions Briefer's contact properties need (SPEC §6), as the
/// bodies of HubSpot's `POST /crm/v3/properties/contacts/groups` and
/// `POST /crm/v3/properties/contacts/batch/create`.
public struct CRMDefinitions: Sendable {
    public let configuration: BrieferConfiguration.CRM
    let mapping: ContactPropertyMapping

    public init(_ configuration: BrieferConfiguration.CRM) {
        self.configuration = configuration
        mapping = ContactPropertyMapping(configuration)
    }

    public static let groupPath = "/crm/v3/properties/contacts/groups"
    public static let propertiesPath = "/crm/v3/properties/contacts/batch/create"

    /// The property group.
    public var groupBody: JSONValue {
        .object([("name", .string(configuration.groupName)), ("label", .string(configuration.groupLabel)), ("displayOrder", .number("-1"))])
    }

    /// Every property, in ``CRMProperty`` order; the tier an enumeration with its four options.
    public var propertiesBody: JSONValue {
        let inputs = CRMProperty.allCases.enumerated().map { index, property -> JSONValue in
            var members: [(key: String, value: JSONValue)] = [
                ("name", .string(mapping.names[property]!)),
                ("label", .string(property.label)),
                ("type", .string(property.hubSpotType.type)),
                ("fieldType", .string(property.hubSpotType.fieldType)),
                ("groupName", .string(configuration.groupName)),
                ("description", .string(property.description)),
                ("displayOrder", .number(String(index + 1))),
            ]
            if property.kind == .tier {
                members.append(
                    (
                        "options",
                        .array(
                            Tier.allCases.enumerated().map { i, tier in
                                .object([
                                    ("label", .string(tier.rawValue.prefix(1).uppercased() + tier.rawValue.dropFirst())),
                                    ("value", .string(tier.rawValue)), ("displayOrder", .number(String(i + 1))), ("hidden", .bool(false)),
                                ])
                            })
                    ))
            }
            return .object(members)
        }
        return .object([("inputs", .array(inputs))])
    }
}
