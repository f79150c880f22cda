import BrieferCore
import BrieferStore
import Foundation

/// Reads reps' feedback back from HubSpot at each push (SPEC §6.1): the feedback property's history on the contacts and
/// companies Briefer writes to (`batch/read` by record id with `propertiesWithHistory`), each value stored with the time
/// HubSpot says it was set. A value outside `actions.feedback.options` is stored as it is (the options may have changed).
/// Only the records of accounts reps hear about are read — hot or warm now, or acted on before — not every contact
/// synced: a push costs one request per 100 of those.
struct FeedbackReader {
    let store: BrieferStore
    let configuration: BrieferConfiguration

    func read(client: HubSpotClient, contactDestination: String, run: ScoringRun, summary: inout ActionSummary) async throws {
        let property = configuration.actions.feedback.property
        let scores = try store.accountScores(runId: run.id)
        let actedOn = Set(try store.actions().map(\.account))
        let heard = Set(
            scores.filter { $0.score.tier == .hot || $0.score.tier == .warm || actedOn.contains($0.score.account) }.map(\.score.account))
        var accountOf: [String: String] = [:]
        for (account, candidates) in try store.contactCandidates(runId: run.id) where heard.contains(account) {
            for c in candidates { accountOf[c.email.lowercased()] = account }
        }
        let accounts = Dictionary(
            scores.filter { heard.contains($0.score.account) }.map { ($0.score.account.lowercased(), $0.score.account) },
            uniquingKeysWith: { a, _ in a })
        let contacts = try store.crmContacts(destination: contactDestination).compactMap { email, record -> (String, String, String)? in
            guard let id = record.recordId, let account = accountOf[email] else { return nil }
            return (id, email, account)
        }
        let companies = try store.crmContacts(destination: CompanySync.destination(contacts: contactDestination)).compactMap {
            domain, record -> (String, String, String)? in
            guard let id = record.recordId, let account = accounts[domain] else { return nil }
            return (id, domain, account)
        }
        let now = Timestamp.now
        var entries: [FeedbackEntry] = []
        for (object, records) in [(FeedbackEntry.Object.contact, contacts), (.company, companies)] {
            for chunk in records.sorted(by: { $0.0 < $1.0 }).chunked(HubSpotBatch.maxInputs) where summary.stopped == nil {
                let path = FeedbackRead.path(object)
                let outcome = await client.post(
                    path, body: CRMRequestBody.data(FeedbackRead.body(recordIds: chunk.map(\.0), property: property)))
                summary.requests[path, default: 0] += 1
                switch outcome {
                case let .stop(message, _):
                    summary.note("feedback read stopped: \(message)")
                    return
                case let .failed(error):
                    summary.note("feedback read failed: \(error.kind.rawValue) (read again next push)")
                case let .answer(response):
                    guard (200..<300).contains(response.status) else {
                        summary.note("feedback read: \(client.message(response)) (read again next push)")
                        continue
                    }
                    let history = FeedbackRead.history(
                        try? JSONParser.parse(String(decoding: response.body, as: UTF8.self)), property: property)
                    for (id, record, account) in chunk {
                        for h in history[id] ?? [] {
                            entries.append(FeedbackEntry(object: object, record: record, account: account, value: h.value, setAt: h.at))
                        }
                    }
                }
            }
        }
        summary.feedbackRead += try store.saveFeedback(destination: contactDestination, entries, at: now)
    }
}
