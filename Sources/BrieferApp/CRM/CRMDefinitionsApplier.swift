import BrieferCore
import Foundation

/// Creates the property group and the property definitions in the CRM (`briefer crm properties --apply`).
/// What already exists (409, or a `CONFLICT` error for a property) is reported and left as it is.
public struct CRMDefinitionsApplier: Sendable {
    public struct Report: Sendable {
        public var lines: [String] = []
        public var succeeded = true
    }

    let client: HubSpotClient
    let definitions: CRMDefinitions

    public init(client: HubSpotClient, definitions: CRMDefinitions) {
        self.client = client; self.definitions = definitions
    }

    public func apply() async throws -> Report {
        var report = Report()
        let group = "\(definitions.configuration.groupName) on \(definitions.object.rawValue)"
        switch await client.post(definitions.groupPath, body: CRMRequestBody.data(definitions.groupBody)) {
        case let .answer(response) where (200..<300).contains(response.status):
            report.lines.append("group \(group): created")
        case let .answer(response) where response.status == 409:
            report.lines.append("group \(group): already exists")
        case let .answer(response):
            report.lines.append("group \(group): failed: " + client.message(response))
            report.succeeded = false
            return report
        case let .failed(error):
            throw CRMSyncError("creating the property group failed: \(error.kind.rawValue): \(error.message)", code: .crmRefused)
        case let .stop(message, _):
            throw CRMSyncError(message, code: .crmRefused)
        }
        guard case let .object(members) = definitions.propertiesBody,
            case let .array(inputs)? = members.first(where: { $0.key == "inputs" })?.value
        else {
            return report
        }
        let names = inputs.compactMap { $0["name"]?.stringValue }
        switch await client.post(definitions.propertiesPath, body: CRMRequestBody.data(definitions.propertiesBody)) {
        case let .answer(response) where response.status == 409:
            report.lines.append("\(definitions.object.rawValue) properties: all \(names.count) already exist")
        case let .answer(response) where (200..<300).contains(response.status):
            let body = Array(response.body)
            var created: Set<String> = []
            if let root = try? body.withUnsafeBufferPointer({ try JSONParser.parse($0) }), case let .array(results)? = root["results"] {
                created = Set(results.compactMap { $0["name"]?.stringValue })
            }
            var failures: [String: String] = [:]
            for error in HubSpotBatch.Answer.errors(in: body) {
                let exists = error.category == "CONFLICT" || error.message.lowercased().contains("already exists")
                let named =
                    error.ids.isEmpty
                    ? names.filter { error.message.contains("\"\($0)\"") || error.message.contains("'\($0)'") } : error.ids
                for name in named { failures[name] = exists ? "already exists" : "failed: \(error.category): \(error.message)" }
            }
            for name in names {
                if created.contains(name) {
                    report.lines.append("\(definitions.object.rawValue) property \(name): created")
                } else if let failure = failures[name] {
                    report.lines.append("\(definitions.object.rawValue) property \(name): \(failure)")
                    if failure.hasPrefix("failed") { report.succeeded = false }
                } else {
                    report.lines.append("\(definitions.object.rawValue) property \(name): not in the answer (check it in HubSpot)")
                }
            }
        case let .answer(response):
            report.lines.append("\(definitions.object.rawValue) properties: failed: " + client.message(response))
            report.succeeded = false
        case let .failed(error):
            throw CRMSyncError("creating the properties failed: \(error.kind.rawValue): \(error.message)", code: .crmRefused)
        case let .stop(message, _):
            throw CRMSyncError(message, code: .crmRefused)
        }
        return report
    }
}
