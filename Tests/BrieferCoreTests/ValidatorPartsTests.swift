import BrieferTesting
import Testing
@testable import BrieferCore

// The validator's parts, one rule at a time, on an account whose numbers are easy to check by hand:
// 12 users, 12 active on 14 of 14 days, 24 employees; sql_editor 3 and funnel_builder 1 use recently
// (27 and 9 ever); the storage and projects limits hit recently, seats too ever; 17 invitations in
// the window, 22 ever; HubSpot connected; Redshift in the company's tools.
private let ledger = PromptInput(
    account: "ledgerline.com", companyName: "Ledgerline", industry: "fintech", employeeCount: 24, country: "US",
    score: 100, tier: "hot", windowDays: 14, users: 12, activeUsers: 12, activeDays: 14, invitedTeammates: 17,
    invitedTeammatesEver: 22, completedActivations: ["project_created", "team_invite_sent", "core_feature_used"],
    missingActivations: ["integration_connected"],
    topFeatures: [.init(name: "sql_editor", count: 3), .init(name: "funnel_builder", count: 1)],
    topFeaturesEver: [.init(name: "sql_editor", count: 27), .init(name: "funnel_builder", count: 9)],
    featureCount: 2, featureCountEver: 2, eventTypeCount: 4, integrations: ["hubspot"],
    limitsHit: ["storage", "projects"], limitsHitEver: ["storage", "projects", "seats"], plan: "free",
    techStack: ["redshift"],
    recentEvents: [
        .init(name: "core_feature_used", count: 4), .init(name: "report_exported", count: 17),
        .init(name: "pricing_page_viewed", count: 19), .init(name: "plan_limit_reached", count: 11),
    ],
    reasons: ["active_days:12:+34"])

private let terms = [
    "sql_editor", "funnel_builder", "core_feature_used", "report_exported", "pricing_page_viewed", "plan_limit_reached",
    "team_invite_sent", "project_created", "integration_connected", "hubspot", "redshift", "storage", "projects", "seats",
]
private let validator = BriefingValidator(rules: BrieferConfiguration.BriefingRules(), vocabulary: GroundingVocabulary(terms: terms))

/// Four fields that each make their own true point; each test swaps one.
private let fields = [
    "use_case_hypothesis": "Ledgerline runs SQL analysis in the SQL editor for its fintech team, with all 12 users active.",
    "expansion_signal": "They hit the storage and projects limits in the last 14 days and viewed the pricing page 19 times.",
    "recommended_opening": "Ask which reports they exported most often, since 17 went out over the past two weeks.",
    "risk_factor": "Redshift is only in their company records, so their warehouse data may stay outside the product.",
]

private func codes(_ field: String? = nil, _ text: String? = nil, _ overrides: [String: String] = [:], input: PromptInput = ledger) -> Set<
    BriefingErrorCode
> {
    var values = fields.merging(overrides) { $1 }
    if let field, let text { values[field] = text }
    let object =
        "{"
        + Briefing.fieldNames.map { name in
            var quoted = ""
            JSONValue.writeQuoted(values[name]!, into: &quoted)
            return "\"\(name)\": \(quoted)"
        }.joined(separator: ", ") + "}"
    return Set(validator.validate(ModelAnswer(content: object, finishReason: "stop", refusal: nil), input: input).codes)
}

struct ValidatorPartsTests {
    @Test func theBaseAnswerIsKept() {
        #expect(codes().isEmpty)
    }

    // MARK: Numbers: what a count of uses counts is read in its own clause.

    @Test func aCountOfUsesNamesTheItemBeforeItWhenNothingFollows() {
        // "three times" is the SQL editor's (3), not funnel building's (1) named in the next clause.
        #expect(
            codes("use_case_hypothesis", "Ledgerline's team tried the SQL editor three times and funnel building once in two weeks.")
                .isEmpty)
        #expect(
            codes("use_case_hypothesis", "Ledgerline's team tried the SQL editor five times and funnel building once in two weeks.")
                == [.ungroundedNumber])
    }

    @Test func aCountOfUsesNamesTheItemAfterIt() {
        #expect(codes("use_case_hypothesis", "Ledgerline logged 27 uses of the SQL editor ever, its most used feature.").isEmpty)
        // 19 is the pricing page's count, not the SQL editor's.
        #expect(
            codes("use_case_hypothesis", "Ledgerline logged 19 uses of the SQL editor ever, its most used feature.") == [.ungroundedNumber])
        #expect(
            BriefingValidator.countedItem(
                number: 1, last: 1, in: ["logged", "19", "uses", "of", "the", "sql", "editor"], stopsAfter: [],
                [("sql_editor", ["sql", "editor"]), ("report_exported", ["report"])]) == "sql_editor")
    }

    @Test func aCountOfLimitsIsReadInTheScopeItsSentenceStates() {
        // Two limits in the window, three ever.
        #expect(codes("expansion_signal", "They hit two plan limits in the last 14 days and viewed pricing 19 times.").isEmpty)
        #expect(
            codes("expansion_signal", "They hit three plan limits in the last 14 days and viewed pricing 19 times.") == [.ungroundedNumber])
        #expect(codes("expansion_signal", "They have hit three different plan limits over time and viewed pricing 19 times.").isEmpty)
        // Two counts of one kind compare the scopes: neither is read in one.
        #expect(
            codes("expansion_signal", "Seventeen of their 22 invitations ever went out in the last 14 days, a fast-growing team.").isEmpty)
    }

    @Test func aCountOfOneItemIsReadInItsScope() {
        // The SQL editor: 3 uses in the window, 27 ever; a relative or participle clause names it too.
        #expect(
            codes("use_case_hypothesis", "Ledgerline's fintech team lives in the SQL editor, used 27 times since they signed up.").isEmpty)
        #expect(
            codes("use_case_hypothesis", "Ledgerline's fintech team lives in the SQL editor, used 27 times in the last 14 days.")
                == [.ungroundedNumber])
        // "19 times over the past two weeks" is a count, not a ratio.
        #expect(
            codes(
                "expansion_signal", "They hit the storage and projects limits and viewed the pricing page 19 times over the past two weeks."
            ).isEmpty)
    }

    @Test func comparisonsHoldBetweenTheItemsTheyName() {
        // Differences: 19 pricing page views, 17 report exports.
        #expect(
            codes("recommended_opening", "Ask what drove 19 pricing page views, two more than their report exports, in two weeks.").isEmpty)
        #expect(
            codes("recommended_opening", "Ask what drove 19 pricing page views, five more than their report exports, in two weeks.") == [
                .ungroundedNumber
            ])
        // Ratios: 27 SQL editor uses ever against 9 of funnel building.
        #expect(
            codes("use_case_hypothesis", "Ledgerline has used the SQL editor three times as often as funnel building over its lifetime.")
                .isEmpty)
        #expect(
            codes("use_case_hypothesis", "Ledgerline has used the SQL editor nearly twice as often as funnel building over its lifetime.")
                == [.ungroundedNumber])
        // Sums: 27 + 9.
        #expect(
            codes("use_case_hypothesis", "Ledgerline leans on the SQL editor and funnel building, 36 uses between them since signup.")
                .isEmpty)
        #expect(
            codes("use_case_hypothesis", "Ledgerline leans on the SQL editor and funnel building, 40 uses between them since signup.") == [
                .ungroundedNumber
            ])
    }

    @Test func sharesAreOfWhatTheyAreSaidOf() {
        // The SQL editor is 3 of the window's 4 feature uses; 12 users of 24 employees.
        #expect(
            codes("use_case_hypothesis", "The SQL editor made up three-quarters of its feature uses in the last 14 days at Ledgerline.")
                .isEmpty)
        #expect(
            codes("use_case_hypothesis", "The SQL editor made up more than 80% of its feature uses in the last 14 days at Ledgerline.") == [
                .ungroundedNumber
            ])
        #expect(codes("risk_factor", "Half of its 24 employees already use the product, so the seat count may not grow much more.").isEmpty)
        #expect(
            codes("risk_factor", "A third of the company already uses the product, so the seat count may not grow much more.") == [
                .ungroundedNumber
            ])
        // A percentage of nothing in particular must be a value the input states.
        #expect(codes("risk_factor", "Usage grew 50% at Ledgerline, yet Redshift still sits outside the product.") == [.ungroundedNumber])
    }

    @Test func aFeaturesRankIsItsListsRank() {
        // Ever: the SQL editor 27, funnel building 9.
        #expect(
            codes("use_case_hypothesis", "Funnel building is its second most used feature ever, behind the SQL editor at Ledgerline.")
                .isEmpty)
        #expect(
            codes("use_case_hypothesis", "At Ledgerline the SQL editor is its second most used feature ever, after funnel building.") == [
                .ungroundedNumber
            ])
    }

    // MARK: Contradictions

    @Test func aNegationWithAnExceptionNamesWhatThereIs() {
        #expect(codes("risk_factor", "With no integration beyond HubSpot, their Redshift data may stay outside the product.").isEmpty)
        #expect(
            codes("risk_factor", "With no integration connected, their Redshift data may stay outside the product.") == [.contradictsInput])
    }

    @Test func aSmallShareIsUnderHalf() {
        // 12 of 12 users and 12 of 24 employees are active: no small fraction of either.
        #expect(
            codes("risk_factor", "Only a small fraction of the company uses the product, so adoption could stall.") == [.contradictsInput])
        #expect(codes("risk_factor", "Only a small fraction of its users use the product, so adoption could stall.") == [.contradictsInput])
    }

    @Test func fewAndAHandfulAreSmall() {
        // 12 of 12 users active, 12 of 24 employees.
        #expect(
            codes("risk_factor", "Few of its twelve users have been active lately, so engagement could fade before a deal.") == [
                .contradictsInput
            ])
        #expect(
            codes("risk_factor", "Only a handful of the company's staff use it, so Redshift data stays outside the product.") == [
                .contradictsInput
            ])
        // "Few people" of a small team is true of one with three.
        var small = ledger
        small.users = 3
        small.activeUsers = 3
        #expect(
            codes(
                "risk_factor", "With so few people on the account, a bigger plan is hard to justify.",
                ["use_case_hypothesis": "Ledgerline runs SQL analysis in the SQL editor for its fintech team, all three users active."],
                input: small
            ).isEmpty)
    }

    @Test func neverSpeaksOfAllTimeAndQuietOfTheWindow() {
        // No invitation in the window is not "never" when 22 went out ever; 14 of 14 days is not quiet.
        #expect(
            codes("risk_factor", "The team has never invited a colleague, so the account may not grow beyond its current users.") == [
                .contradictsInput
            ])
        #expect(
            codes("risk_factor", "The account was quiet for most of the last two weeks, so the interest may be cooling.") == [
                .contradictsInput
            ])
    }

    @Test func theBulkOfUsesIsMoreThanHalf() {
        // The SQL editor: 3 of the window's 4 feature uses, 27 of 36 ever; funnel building 1 and 9.
        #expect(
            codes("use_case_hypothesis", "Ledgerline sends the bulk of its feature use through the SQL editor, a fintech analysis habit.")
                .isEmpty)
        #expect(
            codes("use_case_hypothesis", "Ledgerline sends the bulk of its feature use through funnel building, a fintech analysis habit.")
                == [.contradictsInput])
    }

    @Test func claimsTheListsContradict() {
        // Ledgerline has 24 employees, a small company; with 4,200 it is not one.
        var large = ledger
        large.employeeCount = 4200
        #expect(
            codes("risk_factor", "As a small fintech shop, Ledgerline may not have the budget for a bigger plan.", input: large) == [
                .contradictsInput
            ])
        #expect(codes("risk_factor", "As a small fintech shop, Ledgerline may not have the budget for a bigger plan.").isEmpty)
        // Two limits hit in the window; HubSpot connected; the SQL editor used.
        // (Its own point, not the expansion signal's: with only the storage limit and three words of its own, "so
        // the push to upgrade is narrow", it would restate that they hit it.)
        #expect(
            codes("risk_factor", "The only limit they ran into lately is the storage cap, so a data cleanup could delay any upgrade.") == [
                .contradictsInput
            ])
        #expect(
            codes("risk_factor", "Nothing is connected to their data stack yet, so Redshift data stays outside the product.") == [
                .contradictsInput
            ])
        #expect(
            codes("recommended_opening", "Since they have not touched the SQL editor, ask how they query their Redshift data today.") == [
                .contradictsInput
            ])
    }

    @Test func stayingWithinLimitsThatWereHitContradicts() {
        #expect(
            codes("risk_factor", "Because they have stayed within their plan limits, they may see no reason to leave free.")
                == [.contradictsInput])
    }

    // MARK: Duplicates

    @Test func theSameLimitsInOtherWordsAreOnePoint() {
        // A cap is a limit: the risk rests on exactly the expansion signal's facts.
        #expect(
            codes("risk_factor", "They keep running into the storage and projects caps, so they have clearly outgrown what they have.")
                == [.duplicateFields])
        // Said as a question, the opening asks something else.
        #expect(codes("recommended_opening", "Ask what they store that keeps pushing them into the storage and projects caps.").isEmpty)
    }

    @Test func anOpeningThatOnlyLeadsWithTheSignalRestatesIt() {
        #expect(
            codes(
                "recommended_opening", "Open with their obvious interest in paying, shown by 19 pricing page visits.",
                [
                    "expansion_signal":
                        "They viewed the pricing page 19 times in the last 14 days, which shows clear interest in a paid plan."
                ])
                == [.duplicateFields])
    }

    @Test func aRestatedClaimBeforeAQuestionIsStillTheSamePoint() {
        // "noting that …, and ask": the restated part is compared like a statement.
        #expect(
            codes("recommended_opening", "Open by noting that they hit the storage and projects limits recently, and ask what they need.")
                == [.duplicateFields])
        // A question that restates the claim of the other field about the same fact (hitting a limit says "outgrown").
        #expect(codes("recommended_opening", "Ask how often they have run out of storage lately.") == [.duplicateFields])
        // A question that takes the fact somewhere else is its own point.
        #expect(codes("recommended_opening", "Ask which reports broke when the storage limit was reached.").isEmpty)
    }

    @Test func aDailyHabitSaidTwiceIsOnePoint() {
        #expect(
            codes(
                "risk_factor", "They already use it every day, so the product is part of their routine.",
                ["expansion_signal": "Active on every one of the last 14 days, the product is already a daily habit for them."])
                == [.duplicateFields])
    }

    @Test func outgrowingThePlanSaidTwiceIsOnePoint() {
        #expect(
            codes(
                "recommended_opening", "Open by noting that their storage use has run past what the free plan permits.",
                ["expansion_signal": "They hit the storage and projects limits in the last 14 days, so the free plan is no longer enough."])
                == [.duplicateFields])
    }

    @Test func claimsAboutTheWholeAccountSaidTwiceAreOnePoint() {
        // Fully set up, said as a statement and as a congratulation.
        var done = ledger
        done.completedActivations += done.missingActivations
        done.missingActivations = []
        #expect(
            codes(
                "recommended_opening",
                "Open by congratulating them on getting fully set up, from the first project to the HubSpot connection.",
                ["expansion_signal": "They went through every activation step, including connecting HubSpot, and hit two limits."],
                input: done) == [.duplicateFields])
        // A missing integration, stated and asked about.
        var none = ledger
        none.integrations = []
        #expect(
            codes(
                "recommended_opening", "Ask why they have not connected an integration yet and what data would come first.",
                ["risk_factor": "The account still has no integration connected, so Redshift data stays outside the product."],
                input: none) == [.duplicateFields])
        // "Not yet part of their daily work" makes no claim of a daily habit.
        #expect(
            codes(
                "risk_factor", "The missing integration could mean the product is not yet wired into daily work.",
                ["expansion_signal": "Active on all 14 of the last 14 days, the team hit the storage and projects limits."]
            ).isEmpty)
    }

    @Test func aYesNoQuestionThatRestatesIsTheSamePoint() {
        #expect(
            codes("recommended_opening", "Have they noticed that both the storage and projects caps were reached in the last two weeks?")
                == [.duplicateFields])
        // Asking to confirm the fact the expansion signal states ("hit the storage and projects limits").
        #expect(codes("recommended_opening", "Have you been running into the storage and projects caps lately?") == [.duplicateFields])
        // Asking to confirm a claim of its own about that fact is another point.
        #expect(codes("recommended_opening", "Ask whether the storage limit interrupted their month-end reporting.").isEmpty)
        // Its reasons and what it asks to confirm: "comparing paid plans" is the intent the pricing page visits show.
        #expect(
            codes(
                "recommended_opening", "Since they keep returning to the pricing page, are they already comparing paid plans?",
                ["expansion_signal": "They viewed the pricing page 19 times in the last 14 days, a sign they are weighing a paid plan."])
                == [.duplicateFields])
    }

    @Test func aQuestionsReasonIsNotItsPoint() {
        // The reason restates the use case's fact, but the question asks something new.
        #expect(
            codes("recommended_opening", "Open by asking which ledgers they reconcile, since the SQL editor is their most used feature.")
                .isEmpty)
        // A reason that makes the other field's claim about the same fact does restate it.
        #expect(
            codes(
                "recommended_opening", "Ask which roles the invited colleagues hold, since the team has been adding people quickly.",
                ["expansion_signal": "Seventeen invitations in the last 14 days show the team is growing fast."]) == [.duplicateFields])
    }

    @Test func theMainUseAndBroadUseSaidTwiceAreOnePoint() {
        // The SQL editor is the most used feature: said in the use case, and as an opening's reason.
        #expect(
            codes(
                "recommended_opening", "Open by asking about their ledgers, since querying in the SQL editor is clearly their main use.",
                ["use_case_hypothesis": "Ledgerline relies heavily on the SQL editor for its fintech analysis."]) == [.duplicateFields])
        // Said once, the other field's fact about the same feature is another point.
        #expect(
            codes(
                "recommended_opening", "Open by asking about their ledgers, since querying in the SQL editor is clearly their main use.",
                ["use_case_hypothesis": "Ledgerline runs its fintech analysis in the SQL editor and the funnel builder."]
            ).isEmpty)
        // Breadth of use is said of the whole account.
        #expect(
            codes(
                "expansion_signal", "Its breadth of use across the product shows it is becoming central to the team.",
                ["use_case_hypothesis": "Ledgerline uses a wide range of features for a broad fintech analytics workload."])
                == [.duplicateFields])
    }

    @Test func theLimitsHitUnnamedAreTheLimitsNamed() {
        // "Which plan limits they keep bumping into" asks about the limits the expansion signal names.
        #expect(codes("recommended_opening", "Start by asking which plan limits they keep bumping into.") == [.duplicateFields])
        // Two fields naming their own limits do not share the limits hit.
        #expect(
            codes(
                "recommended_opening", "Ask which projects they had to hold back, given that the seat limit was reached before.",
                ["expansion_signal": "They hit the storage limit in the last 14 days and viewed the pricing page 19 times."]
            ).isEmpty)
    }

    @Test func aDoubledConsonantBeforeAnEndingIsOne() {
        #expect(BriefingValidator.root("embedded") == BriefingValidator.root("embeds"))
        #expect(BriefingValidator.root("submitted") == BriefingValidator.root("submits"))
        #expect(BriefingValidator.root("called") == "call")
        // Short roots keep the doubled consonant: a "Planner" is not grounded by the plan, "settings" not by "set up".
        #expect(BriefingValidator.root("planner") != "plan")
        #expect(BriefingValidator.root("settings") != "set")
        #expect(BriefingValidator.root("staffing") == BriefingValidator.root("staff"))
    }

    @Test func aMissingIntegrationInOtherWordsIsOnePoint() {
        var none = ledger
        none.integrations = []
        // A first integration to connect, a data source not wired up, the activation step left: all say it is missing.
        #expect(
            codes(
                "risk_factor", "The product is not yet wired to any of their data sources, the one activation step they have skipped.",
                ["recommended_opening": "Start by helping them connect a first integration so their data flows in."],
                input: none) == [.duplicateFields])
        #expect(
            codes(
                "risk_factor", "Without any integration connected, they have not finished activation.",
                [
                    "recommended_opening":
                        "Ask what stopped them from connecting an integration, the only activation step they have not completed."
                ],
                input: none) == [.duplicateFields])
        // Connecting one as the next step, and a risk of another kind, are two points.
        #expect(
            codes(
                "risk_factor", "Redshift is only in their company records, so a budget for a second tool may be hard to find.",
                ["recommended_opening": "Start by helping them connect a first integration so their data flows in."],
                input: none
            ).isEmpty)
    }

    @Test func noLimitHitIsAFactTwoFieldsCanShare() {
        var calm = ledger
        calm.limitsHit = []
        calm.limitsHitEver = []
        #expect(
            codes(
                "risk_factor", "Because they have not reached any plan limit, nothing forces them to upgrade.",
                ["expansion_signal": "No plan limit has been hit yet, so any upgrade would come from interest rather than need."],
                input: calm) == [.duplicateFields])
    }

    @Test func britishSpellingsRootLikeAmericanOnes() {
        #expect(BriefingValidator.root("cataloguing") == BriefingValidator.root("catalog"))
        #expect(BriefingValidator.root("catalogue") == BriefingValidator.root("catalogs"))
    }

    @Test func thePlanAloneIsNoSharedFact() {
        // Both fields name the free plan, for different points.
        #expect(
            codes(
                "risk_factor", "So far the free plan may still feel good enough, which could delay an upgrade decision.",
                ["expansion_signal": "The pricing page was viewed 19 times in the last 14 days, all on a free plan."]
            ).isEmpty)
    }

    @Test func citedRootsFoldSynonymsAndThePlan() {
        let roots = BriefingValidator.citedRoots(
            BriefingValidator.words(in: "Their API calls hit the pro tier caps three times"), plan: "pro")
        #expect(roots.isSuperset(of: ["request", "limit", "plan:pro"]))
        #expect(!roots.contains("thre"))
        // An everyday plan name ("team") cites the plan only when said with "plan" or "tier".
        #expect(!BriefingValidator.citedRoots(BriefingValidator.words(in: "a team that depends on it"), plan: "team").contains("plan:team"))
        #expect(BriefingValidator.citedRoots(BriefingValidator.words(in: "on the team plan"), plan: "team").contains("plan:team"))
    }

    // MARK: Names

    @Test func aParticipleOpensAnInventedFeatureName() {
        #expect(
            codes("recommended_opening", "Ask whether the scheduled queries feature would help them run reports overnight.") == [
                .ungroundedTerm
            ])
        // A participle alone describes a state: "the connected integration" is HubSpot.
        #expect(codes("risk_factor", "Beyond the connected integration, Redshift data still sits outside the product.").isEmpty)
    }

    // MARK: Talk about itself

    @Test func anOpeningWrittenAsAdviceHasNoWriterVoice() {
        #expect(
            codes("recommended_opening", "Ask which reports they exported, though I only have usage data to go on.") == [.instructionEcho])
        // The rep's own line may say "I".
        #expect(codes("recommended_opening", "I noticed your team exported 17 reports in two weeks: which ones matter most?").isEmpty)
    }
}
