/// A configured signal a backtest measures: the users who have it against those who don't (seed 003:
/// "if users who integrate 2+ tools convert at 10 % against a 2 % baseline, that 5× lift is your
/// scoring signal").
public struct BacktestSignal: Sendable, Equatable, Codable {
    public var name: String
    /// Which rule of the configuration it is: activation, behaviour, velocity, negative, intent, email.
    public var kind: String
}

public struct SignalEvidence: Sendable, Equatable, Codable {
    public var signal: BacktestSignal
    public var with: ConversionRate
    public var without: ConversionRate
    /// Conversion with the signal over conversion without it; nil when either side is empty or neither
    /// converted, infinite when only those with it did.
    public var lift: Double?
}

/// The signals of the active model, each read from a user's facts by the same rule the scorer applies.
public enum BacktestSignals {
    public static func definitions(_ context: ScoringContext) -> [BacktestSignal] {
        let c = context.configuration
        var signals: [BacktestSignal] = []
        switch context.model {
        case .weighted:
            for rule in c.weighted.activation.events {
                signals.append(.init(name: rule.minCount > 1 ? "\(rule.event) ×\(rule.minCount)" : rule.event, kind: "activation"))
            }
        case .points:
            for rule in c.points.behaviour.rules {
                let least = rule.steps.filter { $0.points > 0 }.map(\.minCount).min() ?? 1
                let window = rule.withinSignupDays > 0 ? " (first \(rule.withinSignupDays) days)" : ""
                signals.append(.init(name: (least > 1 ? "\(rule.event) ×\(least)" : rule.event) + window, kind: "behaviour"))
            }
            signals.append(.init(name: "velocity burst", kind: "velocity"))
            for negative in c.points.behaviour.negativeEvents { signals.append(.init(name: negative.event, kind: "negative")) }
        }
        for signal in c.reasons.signals { signals.append(.init(name: signal.event, kind: "intent")) }
        signals.append(.init(name: "work email", kind: "email"))
        return signals
    }

    /// Which of ``definitions(_:)`` the user has, in their order.
    public static func present(_ facts: UserFacts, profile: UserProfile, context: ScoringContext) -> [Bool] {
        let c = context.configuration
        var present: [Bool] = []
        switch context.model {
        case .weighted:
            for (i, rule) in c.weighted.activation.events.enumerated() { present.append(rule.isMet(by: facts.activationCounts[i])) }
        case .points:
            for (i, rule) in c.points.behaviour.rules.enumerated() {
                present.append((rule.step(for: facts.behaviourCounts[i])?.points ?? 0) > 0)
            }
            present.append(facts.velocityBurst)
            for i in c.points.behaviour.negativeEvents.indices { present.append(facts.negativeCounts[i] > 0) }
        }
        let seen = Set(facts.signals.map(\.signal))
        for i in c.reasons.signals.indices { present.append(seen.contains(i)) }
        present.append(context.hasWorkEmail(profile))
        return present
    }

    /// Conversion with and without each signal. `has[i][k]`: subject i has signal k.
    public static func evidence(_ signals: [BacktestSignal], subjects: [BacktestSubject], has: [[Bool]]) -> [SignalEvidence] {
        signals.indices.map { k in
            let (with, without) = ConversionRate.split(zip(subjects, has), converted: { $0.0.converted }, matching: { $0.1[k] })
            return SignalEvidence(signal: signals[k], with: with, without: without, lift: conversionLift(with.rate, over: without.rate))
        }
    }
}
