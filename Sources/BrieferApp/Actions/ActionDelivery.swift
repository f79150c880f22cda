import BrieferCore
import BrieferStore
import Foundation

/// Delivers pending actions (SPEC §6.1), each send noted before it begins, each outcome stored as it comes.
struct ActionDelivery {
    let runner: ActionRunner
    var summary: ActionSummary
    var store: BrieferStore { runner.store }
    var settings: BrieferConfiguration.Actions { runner.settings }

    init(runner: ActionRunner, summary: ActionSummary) { self.runner = runner; self.summary = summary }

    mutating func settle(_ outcomes: [ActionOutcome], kinds: [Int64: ActionKind]) throws {
        guard !outcomes.isEmpty else { return }
        try store.settleActions(outcomes, at: .now)
        for o in outcomes {
            switch o.status {
            case .done: summary.done[kinds[o.id]?.rawValue ?? "?", default: 0] += 1
            case .rejected: summary.rejected += 1
            case .unknown: summary.unknown += 1
            default: break
            }
            if o.status != .done, let message = o.message { summary.note(message) }
        }
    }

    // MARK: Tasks

    /// Creates the tasks. One whose create may have arrived without an answer is searched for by its key first — once
    /// HubSpot's search has had `actions.search_lag_seconds` to catch up — and created again only if not found.
    mutating func tasks(_ pending: [ActionRecord], client: HubSpotClient) async throws {
        guard !pending.isEmpty else { return }
        let kinds = Dictionary(uniqueKeysWithValues: pending.map { ($0.id, ActionKind.task) })
        var creates = pending.filter { !$0.inFlight }
        let unsure = pending.filter(\.inFlight)
        if !unsure.isEmpty {
            try await HubSpotSearch.waitForIndex(after: unsure.compactMap(\.sentMs), lagSeconds: settings.searchLagSeconds)
            for (index, chunk) in unsure.chunked(HubSpotTask.keysPerSearch).enumerated() {
                guard summary.stopped == nil else { return }
                if index > 0 { try await Task.sleep(for: HubSpotSearch.spacing) }
                guard let answer = await summary.ask(client, HubSpotTask.searchPath, HubSpotTask.searchBody(keys: chunk.map(\.key))) else {
                    continue
                }
                guard let found = HubSpotTask.found(keys: chunk.map(\.key), in: answer) else {
                    summary.note("task search answered something that is not a search answer (searched again next pass)")
                    continue
                }
                var outcomes: [ActionOutcome] = []
                for action in chunk {
                    if let id = found[action.key] {
                        outcomes.append(
                            .init(id: action.id, status: .done, message: "found by its key after a create without an answer", resultId: id))
                        summary.foundBySearch += 1
                    } else if action.attempts >= Self.maxTaskAttempts {
                        outcomes.append(
                            .init(
                                id: action.id, status: .rejected,
                                message:
                                    "not created after \(action.attempts) sends, the last without an answer, nor found by its key: given up"
                            ))
                    } else {
                        creates.append(action)
                    }
                }
                try settle(outcomes, kinds: kinds)
            }
        }
        for chunk in creates.sorted(by: { $0.id < $1.id }).chunked(HubSpotTask.maxBatch) where summary.stopped == nil {
            try await create(chunk, client: client, kinds: kinds)
        }
    }

    /// Sends with no answer whose task is then not found, at most: past it the task is rejected, not sent for ever.
    static let maxTaskAttempts = 5
    /// Sends of one webhook event that met a refusal worth another try (a 404 during a deploy, a 401 while a secret
    /// rotates) before it is given up.
    static let maxWebhookAttempts = 20

    /// One `batch/create`; a batch HubSpot refuses (400: nothing created) is sent again one task at a time, so only the bad
    /// one is rejected — after one more try without its associations (a contact merged or deleted since refuses it).
    mutating func create(_ chunk: [ActionRecord], client: HubSpotClient, kinds: [Int64: ActionKind], bare: Bool = false) async throws {
        let inputs = chunk.compactMap { $0.body.flatMap { try? JSONParser.parse($0) } }.map {
            bare ? HubSpotTask.withoutAssociations($0) : $0
        }
        try store.noteActionAttempt(ids: chunk.map(\.id), at: .now)
        CrashPoint.hit("actions-before-send")
        let outcome = await client.post(
            HubSpotTask.createPath, body: CRMRequestBody.data(HubSpotTask.createBody(inputs)), idempotent: false)
        CrashPoint.hit("actions-after-send")
        summary.requests[HubSpotTask.createPath, default: 0] += 1
        switch outcome {
        case let .stop(message, status):
            // Refused before anything was created (the token, the daily limit, a wrong URL).
            summary.stopped = message
            try settle(chunk.map { .init(id: $0.id, status: .pending, httpStatus: status, message: message) }, kinds: kinds)
        case let .failed(error):
            let message = "task create without an answer (\(error.kind.rawValue)): searched for by its key next pass"
            try settle(chunk.map { .init(id: $0.id, status: .pending, inFlight: true, message: message) }, kinds: kinds)
        case let .answer(response):
            if response.status == 400 {
                if chunk.count > 1 {
                    for one in chunk where summary.stopped == nil { try await create([one], client: client, kinds: kinds) }
                } else if !bare {
                    try await create(chunk, client: client, kinds: kinds, bare: true)
                } else {
                    try settle(
                        chunk.map {
                            .init(id: $0.id, status: .rejected, httpStatus: 400, message: "task refused: " + client.message(response))
                        },
                        kinds: kinds)
                }
                return
            }
            guard (200..<300).contains(response.status) else {
                // Another answer (5xx after the retries): some may have been created.
                let message = "task create answered \(client.message(response)): searched for by its key next pass"
                try settle(
                    chunk.map { .init(id: $0.id, status: .pending, inFlight: true, httpStatus: response.status, message: message) },
                    kinds: kinds)
                return
            }
            let ids = HubSpotBatch.createdIds(try? JSONParser.parse(String(decoding: response.body, as: UTF8.self)))
            // A 207 names the inputs it refused by their trace ids: those were not created.
            var refused: [String: String] = [:]
            for failure in HubSpotBatch.Answer.errors(in: Array(response.body)) {
                for key in failure.traceIds { refused[key] = "\(failure.category): \(client.endpoint.redacting(failure.message))" }
            }
            try settle(
                chunk.map { action in
                    if let id = ids[action.key] {
                        return ActionOutcome(id: action.id, status: .done, httpStatus: response.status, resultId: id)
                    }
                    if let why = refused[action.key] {
                        return ActionOutcome(id: action.id, status: .rejected, httpStatus: response.status, message: "task refused: " + why)
                    }
                    return ActionOutcome(
                        id: action.id, status: .pending, inFlight: true, httpStatus: response.status,
                        message: "not in the create answer: searched for by its key next pass")
                }, kinds: kinds)
        }
    }

    // MARK: Notifications

    /// Sends Slack messages (never again after a send without an answer: Slack cannot drop a repeat) and signed webhook
    /// events (again until answered: the receiver drops repeats by event id).
    mutating func notifications(_ pending: [ActionRecord], targets: NotificationTargets) async throws {
        guard !pending.isEmpty else { return }
        let kinds = Dictionary(uniqueKeysWithValues: pending.map { ($0.id, $0.kind) })
        let crm = runner.configuration.crm
        let slack = targets.slackURL.map { WebhookSender(url: $0, label: "Slack", retryUnanswered: false, settings: crm) }
        let hook = targets.webhookURL.map { WebhookSender(url: $0, label: "the webhook", retryUnanswered: true, settings: crm) }
        defer {
            slack?.shutdown()
            hook?.shutdown()
        }
        var deferred: Set<ActionKind> = []
        for action in pending.sorted(by: { $0.id < $1.id }) where !deferred.contains(action.kind) {
            guard let text = action.body, let sender = action.kind == .slack ? slack : hook else { continue }
            if action.kind == .slack, action.inFlight {
                try settle(
                    [
                        .init(
                            id: action.id, status: .unknown,
                            message:
                                "a Slack send ended without an answer: it may have arrived, and Slack cannot drop a repeat, so it is not sent again"
                        )
                    ], kinds: kinds)
                continue
            }
            let body = Data(text.utf8)
            let secret = targets.webhookSecret ?? ""
            let key = action.key
            let signed = action.kind == .webhook
            let headers: @Sendable () -> [HTTPHeader] = {
                guard signed else { return [] }
                let signature = SignedWebhook.signature(secret: secret, timestamp: Timestamp.now.milliseconds / 1000, body: Array(body))
                return [HTTPHeader(SignedWebhook.eventIdHeader, key), HTTPHeader(SignedWebhook.signatureHeader, signature)]
            }
            try store.noteActionAttempt(ids: [action.id], at: .now)
            CrashPoint.hit("actions-before-notify")
            let outcome = await sender.post(body, headers: headers)
            CrashPoint.hit("actions-after-notify")
            summary.requests[action.kind.rawValue, default: 0] += 1
            switch outcome {
            case let .answer(response) where (200..<300).contains(response.status):
                try settle([.init(id: action.id, status: .done, httpStatus: response.status)], kinds: kinds)
            case let .answer(response) where response.status == 429 || response.status >= 500:
                // Answered: it did not arrive. Sent again next pass.
                try settle(
                    [
                        .init(
                            id: action.id, status: .pending, httpStatus: response.status,
                            message: "\(sender.label) answered \(response.status): sent again next pass")
                    ],
                    kinds: kinds)
            case let .answer(response):
                let text = String(decoding: response.body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                let said = "\(sender.label) refused it (\(response.status)\(text.isEmpty ? "" : ": " + text))"
                // Slack's refusals are final. The webhook is at least once: only a refusal of the event itself (400, 410,
                // 413, 422) is; another (a 404 during a deploy, a 401 while a secret rotates) is tried again, up to a limit.
                let final =
                    action.kind == .slack || [400, 410, 413, 422].contains(response.status)
                    || action.attempts + 1 >= Self.maxWebhookAttempts
                try settle(
                    [
                        .init(
                            id: action.id, status: final ? .rejected : .pending, httpStatus: response.status,
                            message: said + (final ? "" : ": sent again next pass"))
                    ], kinds: kinds)
            case let .deferred(message):
                deferred.insert(action.kind)
                try settle([.init(id: action.id, status: .pending, message: message)], kinds: kinds)
            case let .failed(message, mayHaveArrived):
                if action.kind == .slack && mayHaveArrived {
                    try settle(
                        [
                            .init(
                                id: action.id, status: .unknown,
                                message: message + ": it may have arrived, and Slack cannot drop a repeat, so it is not sent again")
                        ],
                        kinds: kinds)
                } else {
                    try settle(
                        [.init(id: action.id, status: .pending, inFlight: mayHaveArrived, message: message + ": sent again next pass")],
                        kinds: kinds)
                }
            }
        }
    }
}
