import BrieferCore
import BrieferStore
import Foundation

/// Reads contacts' owners from HubSpot — `batch/read` by email asking for `hubspot_owner_id`, explicitly: an owner is
/// never inferred — for the contacts not read within `actions.owners.refresh_after_hours`, and stores what it said.
struct CRMOwnerReader {
    let store: BrieferStore
    let configuration: BrieferConfiguration
    let client: HubSpotClient

    /// What a refresh did.
    struct Refresh: Sendable, Equatable {
        /// Contacts asked about, and of them those the CRM gave an owner.
        var read = 0
        var owned = 0
        /// Why it stopped before the end (a refused token, a limit); what was read is kept.
        var stopped: String?
    }

    func refresh(emails: [String], now: Timestamp) async throws -> Refresh {
        let destination = client.endpoint.destination
        let known = try store.crmOwners(destination: destination)
        let age = Int64(configuration.actions.owners.refreshAfterHours) * 3_600_000
        let due = emails.filter { email in known[email].map { now.milliseconds - $0.readMs >= age } ?? true }
        var refresh = Refresh()
        for chunk in due.chunked(configuration.crm.batchSize) {
            let body = CRMRequestBody.data(HubSpotBatch.readBody(emails: chunk, properties: ["hubspot_owner_id"]))
            switch await client.post(HubSpotBatch.readPath, body: body) {
            case let .stop(message, _):
                refresh.stopped = message
                return refresh
            case let .failed(error):
                refresh.stopped = "reading owners failed: \(error.kind.rawValue): \(error.message)"
                return refresh
            case let .answer(response):
                guard (200..<300).contains(response.status), let answer = HubSpotBatch.Answer.parse(Array(response.body)) else {
                    refresh.stopped = "reading owners failed: " + client.message(response)
                    return refresh
                }
                // Every contact asked about is recorded: with its owner, or with none (none set, or not in the CRM).
                var owners: [String: String?] = Dictionary(uniqueKeysWithValues: chunk.map { ($0, nil) })
                for result in answer.results { if let email = result.email { owners[email] = result.ownerId } }
                try store.saveCRMOwners(destination: destination, owners, at: now)
                refresh.read += chunk.count
                refresh.owned += owners.values.filter { $0 != nil }.count
            }
        }
        return refresh
    }
}
