/// One contact's properties as this sync wants them.
public struct ContactState: Sendable {
    /// Lowercased.
    public var email: String
    public var account: String
    /// The account's tier: decides whether the contact is upserted (created if missing) or only updated.
    public var tier: Tier
    /// In ``CRMProperty`` order, under their configured names.
    public var properties: [(name: String, value: String)]

    public init(email: String, account: String, tier: Tier, properties: [(name: String, value: String)]) {
        self.email = email.lowercased(); self.account = account; self.tier = tier; self.properties = properties
    }
}

/// A change recorded in the outbox (SPEC §6): some properties of one contact, under one
/// `objectWriteTraceId` for every write of it, from the moment it is recorded until it is settled.
public struct OutboxItem: Sendable {
    public enum Status: String, Sendable, CaseIterable {
        /// Recorded, not yet known to be applied: written or sent (again) by the next sync.
        case pending
        /// Applied (pushed) or written to a file destination.
        case done
        /// The CRM does not know the contact (and its tier may not create it): not retried until looked up again.
        case missing
        /// Refused by the CRM (400): kept with its message; `sync --retry-rejected` sends it again.
        case rejected
    }

    public var id: Int64
    public var destination: String
    public var traceId: String
    public var email: String
    public var account: String
    public var properties: [(name: String, value: String)]
    public var status: Status
    /// Writes or sends so far.
    public var attempts: Int
    /// `upsert`, `update` or `update-by-email` (files) for the last write.
    public var operation: String?
    /// The status code of the last answer, if any.
    public var httpStatus: Int?
    /// What the CRM (or the transport) said about the last attempt.
    public var message: String?
    /// The file or request of the last attempt.
    public var request: String?
    public var createdMs: Int64
    public var sentMs: Int64?
    public var settledMs: Int64?

    public init(
        id: Int64, destination: String, traceId: String, email: String, account: String,
        properties: [(name: String, value: String)], status: Status = .pending, attempts: Int = 0, operation: String? = nil,
        httpStatus: Int? = nil, message: String? = nil, request: String? = nil, createdMs: Int64,
        sentMs: Int64? = nil, settledMs: Int64? = nil
    ) {
        self.id = id; self.destination = destination; self.traceId = traceId; self.email = email; self.account = account
        self.properties = properties; self.status = status; self.attempts = attempts; self.operation = operation
        self.httpStatus = httpStatus; self.message = message; self.request = request; self.createdMs = createdMs
        self.sentMs = sentMs; self.settledMs = settledMs
    }
}

/// What a sync records and in which order it sends (SPEC §6: diff-based, through an outbox).
public enum SyncPlanner {
    /// The new changes to record: for each contact, the properties whose wanted value differs from what
    /// the destination will hold once everything already recorded is delivered (the last synced value,
    /// overlaid by the contact's unsettled items in record order), so a change already in the outbox is
    /// never recorded again under a second trace id.
    ///
    /// - Parameters:
    ///   - synced: by email, the last successfully synced value of each property.
    ///   - syncedBy: by email, the id of the item that delivered each synced value: an unsettled item
    ///     older than it (say, rejected before a newer value went through) no longer counts.
    ///   - unsettled: items not done (pending, missing, rejected), any order.
    ///   - rideAlong: property names sent only with another change (the last-calculated time).
    ///   - full: every wanted property, changed or not (`--full`).
    public static func changes(
        desired: [ContactState], synced: [String: [String: String]], syncedBy: [String: [String: Int64]] = [:],
        unsettled: [OutboxItem], rideAlong: Set<String>,
        full: Bool
    ) -> [(contact: ContactState, properties: [(name: String, value: String)])] {
        var expected = synced
        for item in unsettled.sorted(by: { $0.id < $1.id }) {
            for property in item.properties where item.id > syncedBy[item.email]?[property.name] ?? 0 {
                expected[item.email, default: [:]][property.name] = property.value
            }
        }
        return desired.compactMap { contact in
            let changes = PropertyDiff.changes(
                desired: contact.properties, synced: expected[contact.email] ?? [:],
                rideAlong: rideAlong, full: full)
            return changes.isEmpty ? nil : (contact, changes)
        }
    }

    /// `items` in sending rounds: each contact at most once per round (HubSpot refuses an id twice in a
    /// batch), its items in record order, so the later value of a property is always sent after the
    /// earlier one; a contact's next item waits for a round after its previous one succeeded.
    public static func rounds(_ items: [OutboxItem]) -> [[OutboxItem]] {
        var rounds: [[OutboxItem]] = []
        var seen: [String: Int] = [:]
        for item in items.sorted(by: { $0.id < $1.id }) {
            let round = seen[item.email, default: 0]
            seen[item.email] = round + 1
            if round == rounds.count { rounds.append([]) }
            rounds[round].append(item)
        }
        return rounds
    }
}

/// What became of one outbox item's write.
public struct OutboxOutcome: Sendable, Equatable {
    public var itemId: Int64
    /// `done`, `missing` or `rejected` settle the item; `pending` leaves it for the next sync.
    public var status: OutboxItem.Status
    public var httpStatus: Int?
    public var message: String?

    public init(itemId: Int64, status: OutboxItem.Status, httpStatus: Int? = nil, message: String? = nil) {
        self.itemId = itemId; self.status = status; self.httpStatus = httpStatus; self.message = message
    }
}
