import BrieferCore
import Foundation

/// `briefer crm check`: names the HubSpot scopes each enabled feature needs and checks the token has them (SPEC §6.1), and
/// says which portal the token belongs to — before anything is pushed.
public struct CRMCheck: Sendable {
    public struct Report: Sendable {
        public var lines: [String] = []
        /// Every needed scope is granted.
        public var passed = false
        public var portal: String?
    }

    let client: HubSpotClient
    let configuration: BrieferConfiguration

    public init(client: HubSpotClient, configuration: BrieferConfiguration) { self.client = client; self.configuration = configuration }

    public func run() async throws -> Report {
        var report = Report()
        if case let .answer(response) = await client.get(HubSpotClient.accountInfoPath), (200..<300).contains(response.status) {
            let value = try? JSONParser.parse(String(decoding: response.body, as: UTF8.self))
            report.portal = value?["portalId"].flatMap { $0.integerValue.map(String.init) ?? $0.stringValue }
        }
        report.lines.append("HubSpot at \(client.endpoint.baseUrl)" + (report.portal.map { ", portal \($0)" } ?? ""))
        let body = JSONValue.object([("tokenKey", .string(client.endpoint.token))])
        let granted: Set<String>
        switch await client.post(CRMScopes.tokenInfoPath, body: CRMRequestBody.data(body)) {
        case let .answer(response) where (200..<300).contains(response.status):
            guard let scopes = CRMScopes.granted(try? JSONParser.parse(String(decoding: response.body, as: UTF8.self))) else {
                report.lines.append("cannot check: the token's description names no scopes")
                return report
            }
            granted = scopes
        case let .answer(response):
            report.lines.append(
                "cannot read the token's scopes (\(client.message(response))): is HUBSPOT_ACCESS_TOKEN a private app's token? "
                    + "A push that lacks a scope stops and names it")
            return report
        case let .failed(error):
            report.lines.append("cannot read the token's scopes: \(error.kind.rawValue): \(client.endpoint.redacting(error.message))")
            return report
        case let .stop(message, _):
            report.lines.append("cannot read the token's scopes: \(message)")
            return report
        }
        report.passed = true
        for need in CRMScopes.needs(configuration) {
            let missing = need.scopes.filter { !granted.contains($0) }
            if missing.isEmpty {
                report.lines.append("ok       \(need.feature): \(need.scopes.joined(separator: ", "))")
            } else {
                report.passed = false
                report.lines.append("MISSING  \(need.feature): \(missing.joined(separator: ", ")) (add the scope to the private app)")
            }
        }
        return report
    }
}
