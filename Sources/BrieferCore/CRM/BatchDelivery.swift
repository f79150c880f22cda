/// Delivering one batch of outbox items to an API that answers for a whole batch (HubSpot's batch endpoints; a
/// webhook is a batch of one), as a state machine without I/O (SPEC §6). Told what the last request's answer
/// was, it says what to do next: send the batch or part of it, settle items, or finish. The sync performs the
/// actions; tests drive it alone. Items are named by their outbox ids, so any outbox object can go through it.
///
/// HubSpot refuses a whole batch with 400 for one bad input (an invalid email, a value it does not accept) and
/// applies nothing: the two halves are then sent on their own and each refused half split again, so the good
/// changes go through and only the bad ones are rejected. When the refusal is about the batch's shape (HubSpot's
/// codes name only a property the CRM lacks or will not let be written) no input is to blame: every item is
/// rejected with it, nothing split. A refusal without codes could be either: it is split within a budget of
/// requests, and what is not isolated by then stays pending for the next run (never rejected for another
/// input's fault). A stop (the token refused, the daily limit reached) leaves every item not yet settled pending.
public struct BatchDelivery: Sendable {
    /// A batch refused as a whole: nothing of it was applied.
    public struct Refusal: Sendable, Equatable {
        public var message: String
        /// The API's codes are all about the batch's shape, not about one input.
        public var everyInput: Bool
        /// The API named codes: its refusal is about inputs, and splitting finds them.
        public var coded: Bool
        public init(message: String, everyInput: Bool, coded: Bool) {
            self.message = message; self.everyInput = everyInput; self.coded = coded
        }
    }

    /// What came of one request.
    public enum Answer: Sendable, Equatable {
        /// Each item sent, settled (applied, missing, or pending with why: a failed request leaves them all pending).
        case settled([OutboxOutcome])
        /// The batch was refused whole (400).
        case refused(Refusal)
        /// Nothing more is to be sent this run: the items wait, with why.
        case stop(String, status: Int?)
    }

    public enum Action: Sendable, Equatable {
        /// Send these items as one request; `resend` when they are part of a refused batch (already counted as sent).
        case send([Int64], resend: Bool)
        /// Record what became of these items.
        case settle([OutboxOutcome])
        case finished
    }

    /// Why delivery stopped, once it has.
    public private(set) var stopped: String?
    private let items: [Int64]
    private var started = false
    private var awaiting: (ids: [Int64], first: Bool)?
    private var budget = 0
    private var outbox: [Action] = []
    private var tasks: [Task] = []
    /// The halves being sent of each refused batch being split, innermost last: the ones refused again.
    private var frames: [[(ids: [Int64], refusal: Refusal)]] = []

    private enum Task {
        case isolate([Int64], Refusal)
        case sendHalf([Int64])
        /// Both halves of a split are sent: its refused halves are split in turn, in order.
        case closeFrame
    }

    public init(items: [Int64]) { self.items = items }

    /// The next thing to do. After a `.send`, give its answer to ``received(_:)`` before asking again.
    public mutating func next() -> Action {
        precondition(awaiting == nil, "the answer to the last request is not in yet")
        if !outbox.isEmpty { return outbox.removeFirst() }
        if !started {
            started = true
            guard !items.isEmpty else { return .finished }
            awaiting = (items, true)
            return .send(items, resend: false)
        }
        while let task = tasks.popLast() {
            switch task {
            case let .isolate(ids, refusal):
                if let stopped { return .settle(ids.map { .init(itemId: $0, status: .pending, message: stopped) }) }
                guard ids.count > 1, !refusal.everyInput else {
                    return .settle(ids.map { .init(itemId: $0, status: .rejected, httpStatus: 400, message: refusal.message) })
                }
                guard refusal.coded || budget >= 2 else {
                    let message = refusal.message + " (refused with others in one batch, not told apart this run: sent again next run)"
                    return .settle(ids.map { .init(itemId: $0, status: .pending, httpStatus: 400, message: message) })
                }
                let middle = ids.count / 2
                frames.append([])
                tasks += [.closeFrame, .sendHalf(Array(ids[middle...])), .sendHalf(Array(ids[..<middle]))]
            case let .sendHalf(ids):
                if let stopped { return .settle(ids.map { .init(itemId: $0, status: .pending, message: stopped) }) }
                budget -= 1
                awaiting = (ids, false)
                return .send(ids, resend: true)
            case .closeFrame:
                let refused = frames.removeLast()
                tasks += refused.reversed().map { .isolate($0.ids, $0.refusal) }
            }
        }
        return .finished
    }

    /// The answer to the last `.send`.
    public mutating func received(_ answer: Answer) {
        guard let (ids, first) = awaiting else { preconditionFailure("no request is waiting for an answer") }
        awaiting = nil
        switch answer {
        case let .settled(outcomes):
            outbox.append(.settle(outcomes))
        case let .stop(message, status):
            stopped = message
            outbox.append(.settle(ids.map { .init(itemId: $0, status: .pending, httpStatus: status, message: message) }))
        case let .refused(refusal):
            if first {
                // Enough requests to isolate a few bad inputs by halving, not to send each item alone.
                // ⌈log₂ n⌉: the halvings that isolate one input.
                let depth = Int.bitWidth - (max(ids.count, 2) - 1).leadingZeroBitCount
                budget = 4 * (depth + 1)
                tasks.append(.isolate(ids, refusal))
            } else {
                frames[frames.count - 1].append((ids, refusal))
            }
        }
    }
}
