/// The property group and property definitions Briefer's contact properties need (SPEC §6), as the
/// bodies of HubSpot's `POST /crm/v3/properties/contacts/groups` and
/// `POST /crm/v3/properties/contacts/batch/create`.
public struct CRMDefinitions: Sendable {
    /// The CRM object the properties are defined on: contacts, or (for `actions.companies`) companies, which get the
    /// account's properties without the contact's own score.
    public enum Object: String, Sendable {
        case contacts, companies
    }

    public let configuration: BrieferConfiguration.CRM
    public let object: Object
    /// The reps' feedback enumeration, defined too when given.
    public let feedback: BrieferConfiguration.Feedback?
    let mapping: ContactPropertyMapping

    public init(_ configuration: BrieferConfiguration.CRM, object: Object = .contacts, feedback: BrieferConfiguration.Feedback? = nil) {
        self.configuration = configuration
        self.object = object
        self.feedback = feedback
        mapping = ContactPropertyMapping(configuration)
    }

    public static let groupPath = "/crm/v3/properties/contacts/groups"
    public static let propertiesPath = "/crm/v3/properties/contacts/batch/create"

    public var groupPath: String { "/crm/v3/properties/\(object.rawValue)/groups" }
    public var propertiesPath: String { "/crm/v3/properties/\(object.rawValue)/batch/create" }

    /// The properties defined on this object.
    public var properties: [CRMProperty] {
        object == .contacts ? CRMProperty.allCases : CRMProperty.allCases.filter { $0 != .contactScore }
    }

    /// The property group.
    public var groupBody: JSONValue {
        .object([("name", .string(configuration.groupName)), ("label", .string(configuration.groupLabel)), ("displayOrder", .number("-1"))])
    }

    /// Every property, in ``CRMProperty`` order; the tier an enumeration with its four options.
    public var propertiesBody: JSONValue {
        let inputs = properties.enumerated().map { index, property -> JSONValue in
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
        guard let feedback else { return .object([("inputs", .array(inputs))]) }
        let options = feedback.options.enumerated().map { i, value -> JSONValue in
            .object([
                ("label", .string(FeedbackRead.label(value))), ("value", .string(value)), ("displayOrder", .number(String(i + 1))),
                ("hidden", .bool(false)),
            ])
        }
        let feedbackInput = JSONValue.object([
            ("name", .string(feedback.property)), ("label", .string("PQL feedback")), ("type", .string("enumeration")),
            ("fieldType", .string("select")), ("groupName", .string(configuration.groupName)),
            (
                "description",
                .string("A rep's word on this PQL: Briefer reads it back and reports it beside conversions (never a scoring input).")
            ),
            ("displayOrder", .number(String(inputs.count + 1))), ("options", .array(options)),
        ])
        return .object([("inputs", .array(inputs + [feedbackInput]))])
    }
}
