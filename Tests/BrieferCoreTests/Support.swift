import Testing
@testable import BrieferCore

// Shared helpers for the BrieferCore tests: hand-built scoring inputs.
// Expectations in the tests are always worked out by hand from SPEC §3 / SCORING_RULES.md,
// never by calling the code under test.

/// Every term the tests use, with fixed ids (1-based, in this order).
let testTerms: [String] = [
    "project_created", "team_invite_sent", "core_feature_used", "integration_connected",
    "onboarding_completed", "pricing_page_viewed", "checkout_started", "premium_feature_used", "report_exported",
    "login", "email_unsubscribed", "plan_downgraded", "plan_limit_reached", "page_viewed",
    "dashboard_viewed", "search_run", "comment_added", "file_uploaded", "alert_created", "tag_added",
    // feature / detail values
    "api_requests", "report_builder", "alerts",
]

let testVocabulary = Vocabulary(ids: Dictionary(uniqueKeysWithValues: testTerms.enumerated().map { ($1, UInt32($0 + 1)) }))

/// The term id of a known test term.
func termId(_ term: String) -> UInt32 {
    guard let id = testVocabulary.id(term) else { preconditionFailure("unknown test term \(term)") }
    return id
}

/// An ISO-8601 time as a timestamp (Timestamp.parse is checked on its own in TimestampTests).
func ts(_ iso: String) -> Timestamp {
    guard let parsed = Timestamp.parse(iso) else { preconditionFailure("bad test time \(iso)") }
    return parsed.timestamp
}

let millisecondsPerDay: Int64 = 86_400_000

/// One event as scoring sees it.
func entry(_ name: String, _ time: Timestamp, feature: String? = nil, detail: String? = nil) -> ActivityEntry {
    ActivityEntry(
        milliseconds: time.milliseconds, name: termId(name),
        feature: feature.map(termId) ?? 0, detail: detail.map(termId) ?? 0)
}

func entry(_ name: String, _ iso: String, feature: String? = nil, detail: String? = nil) -> ActivityEntry {
    entry(name, ts(iso), feature: feature, detail: detail)
}

/// Groups entries into UTC days (day index = floor(ms / DAY)), each day in time order.
func activityDays(_ entries: [ActivityEntry]) -> [ActivityDay] {
    var byDay: [Int64: [ActivityEntry]] = [:]
    for e in entries {
        let day = e.milliseconds >= 0 ? e.milliseconds / millisecondsPerDay : (e.milliseconds - millisecondsPerDay + 1) / millisecondsPerDay
        byDay[day, default: []].append(e)
    }
    return byDay.keys.sorted().map { ActivityDay(day: $0, entries: byDay[$0]!.sorted()) }
}

/// A user's days from `(event name, ISO time)` pairs.
func activityDays(_ events: [(String, String)]) -> [ActivityDay] {
    activityDays(events.map { entry($0.0, $0.1) })
}

/// `count` events of one name, one second apart from `start`.
func burst(_ name: String, count: Int, from start: Timestamp, stepMilliseconds: Int64 = 1000) -> [ActivityEntry] {
    (0..<count).map { entry(name, start.adding(milliseconds: Int64($0) * stepMilliseconds)) }
}

func makeContext(
    asOf: String, model: BrieferConfiguration.ScoringModel = .weighted,
    _ configure: (inout BrieferConfiguration) -> Void = { _ in }
) -> ScoringContext {
    var configuration = BrieferConfiguration()
    configure(&configuration)
    return ScoringContext(asOf: ts(asOf), configuration: configuration, model: model, vocabulary: testVocabulary)
}

struct Scored {
    var facts: UserFacts
    var score: UserScore
}

/// Computes the user's facts (signup from the profile) and scores them.
func scoreUser(_ profile: UserProfile, _ days: [ActivityDay], _ context: ScoringContext) -> Scored {
    let facts = UserFacts.compute(days: days, signup: profile.signup, context: context)
    return Scored(facts: facts, score: Scorer(context: context).score(profile, facts: facts))
}

func scoreUser(_ profile: UserProfile, _ events: [(String, String)], _ context: ScoringContext) -> Scored {
    scoreUser(profile, activityDays(events), context)
}

func profile(
    _ userId: String = "u1", email: String? = nil, title: String? = nil, signup: String? = nil,
    account: AccountKey = .domain("acme.com"), company: CompanyRecord? = nil
) -> UserProfile {
    UserProfile(userId: userId, email: email, title: title, signup: signup.map(ts), account: account, company: company)
}

/// A user without any event.
func scoreUser(_ profile: UserProfile, _ context: ScoringContext) -> Scored {
    scoreUser(profile, [ActivityDay](), context)
}

/// A configuration from a JSON tree laid over the defaults, as the YAML loader hands it over.
func configuration(_ json: String) throws -> BrieferConfiguration {
    try ConfigurationCoding.configuration(from: try JSONParser.parse(json))
}

/// The keys named by the problems of the configuration `json`; empty when it loads.
func problemKeys(_ json: String) throws -> [String] {
    let tree = try JSONParser.parse(json)
    do {
        _ = try ConfigurationCoding.configuration(from: tree)
        return []
    } catch {
        return error.problems.map(\.key)
    }
}
