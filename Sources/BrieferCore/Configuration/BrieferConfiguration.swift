/// Every rule, weight, window, event name, threshold and cap that scoring (SPEC §3), selection (§4)
/// and enrichment (§5) use.
///
/// Each value has the SPEC default; `config/briefer.yaml` documents each key. Keys in the file are
/// snake_case (`daily_cap_per_event`); an unknown key, a wrong type or an impossible value is refused
/// at load with an error naming the key (see ``validate()``).
public struct BrieferConfiguration: Sendable, Codable, Equatable {
    public enum ScoringModel: String, Sendable, Codable, CaseIterable { case weighted, points }

    /// The default scoring model; `briefer score --model` overrides it.
    public var model: ScoringModel = .weighted
    public var identity = Identity()
    public var hygiene = Hygiene()
    public var sources = Sources()
    public var weighted = Weighted()
    public var points = Points()
    public var account = Account()
    public var reasons = Reasons()
    public var selection = Selection()
    public var enrichment = Enrichment()
    public var crm = CRM()
    public var backtest = Backtest()
    public var serve = Serve()
    public var retention = Retention()
    public var actions = Actions()
    public var warehouse = Warehouse()

    public init() {}

    /// Scoring past one machine (SPEC §10): the tables `briefer sql` reads and writes in a warehouse or Spark.
    public struct Warehouse: Sendable, Codable, Equatable {
        /// The input tables, by name (schema-qualified names such as `analytics.briefer_events` are fine).
        public var tables = Tables()
        /// What the script's own tables are called: `<prefix>user_scores`, `<prefix>account_scores`, `<prefix>run`,
        /// and work tables `<prefix>w_*`.
        public var prefix = "briefer_"

        public struct Tables: Sendable, Codable, Equatable {
            /// Activity calls (track, page, screen): message_id, user_id, anonymous_id, event_name, ts, group_id, properties.
            public var events = "briefer_events"
            /// Identity links: anonymous_id (or the user id an alias retires), user_id, ts, via (identify | alias | device).
            public var identities = "briefer_identities"
            /// Group calls: user_id, group_id, ts, domain, traits.
            public var groups = "briefer_groups"
            /// Identify calls' traits: user_id, ts, email, title, created_at, company.
            public var traits = "briefer_traits"
            /// The users file: user_id, email, company_domain, title, created_at.
            public var users = "briefer_users"
            /// The companies file: domain, name, employee_count, industry, estimated_revenue, country, tech_stack.
            public var companies = "briefer_companies"
            /// The subscriptions file: user_id, plan, subscription_start.
            public var subscriptions = "briefer_subscriptions"
        }
    }

    /// What Briefer does for reps beyond contact properties (SPEC §6.1; issue 17): owners first.
    public struct Actions: Sendable, Codable, Equatable {
        /// Tasks, notifications and company records are made only once this is true.
        public var enabled = false
        /// A second transition of one account to hot within this many hours of one acted on makes no new task or message
        /// (a hot → warm → hot flap is one hand-raise, not two).
        public var coolDownHours = 72
        /// At most this many transitions are acted on per UTC day, per kind of action; the rest are recorded as skipped.
        public var dailyCap = 50
        /// A task or message for an account whose briefing is not ready waits this long for it, then goes with the
        /// rules' briefing.
        public var briefingWaitMinutes = 30
        /// After a task's create request ended without an answer, HubSpot's search may not show it for a while: the
        /// search for its key runs this many seconds after the request, and only a task not found then is created again.
        public var searchLagSeconds = 15
        public var owners = Owners()
        public var tasks = Tasks()
        public var slack = Slack()
        public var webhook = Webhook()
        public var companies = Companies()
        public var feedback = Feedback()
    }

    /// Reps' word on an account (SPEC §6.1; seed 004's missing feedback loop): an enumeration property on contacts and
    /// companies, read back at each push, reported by the backtest as a label after the as-of time, never a scoring input.
    public struct Feedback: Sendable, Codable, Equatable {
        public var enabled = true
        /// The property's internal name.
        public var property = "pql_feedback"
        /// Its options' internal values (labels are made from them: `not_relevant` → "Not relevant").
        public var options = ["useful", "not_relevant", "bad_timing", "converted"]
        /// The options that say the account was worth a rep's time (the backtest's precision by feedback).
        public var positive = ["useful", "converted"]
    }

    /// The account's properties on its HubSpot company (SPEC §6.1).
    public struct Companies: Sendable, Codable, Equatable {
        public var enabled = false
        /// Accounts of these tiers get their company looked up (the one their contacts are associated with, else by
        /// domain); an account whose company is known keeps getting its properties whatever its tier.
        public var tiers: [Tier] = [.hot, .warm]
        /// For these tiers a company is created when none is found (HubSpot does not deduplicate companies by domain).
        public var createTiers: [Tier] = [.hot]
        /// A company is made only once the account's contacts have been in HubSpot this long: HubSpot may make and associate
        /// one from their email domain meanwhile (its "create and associate companies with contacts" setting).
        public var createWaitMinutes = 10
    }

    /// The Slack message for each newly-hot account: an incoming webhook, its URL a secret (`BRIEFER_SLACK_WEBHOOK_URL`,
    /// or a file named by `BRIEFER_SLACK_WEBHOOK_URL_FILE`), never in this file.
    public struct Slack: Sendable, Codable, Equatable {
        public var enabled = false
    }

    /// The signed event for each newly-hot account, POSTed to `url` (`BRIEFER_WEBHOOK_URL` overrides) and signed with
    /// HMAC-SHA256 under `BRIEFER_WEBHOOK_SECRET` (or the file `BRIEFER_WEBHOOK_SECRET_FILE` names).
    public struct Webhook: Sendable, Codable, Equatable {
        public var enabled = false
        public var url = ""
    }

    /// The HubSpot task made for each newly-hot account (SPEC §6.1).
    public struct Tasks: Sendable, Codable, Equatable {
        /// Make the task (with `actions.enabled`).
        public var enabled = true
        /// The task is due this many hours after the account became hot (seed 004: minutes beat hours).
        public var slaHours = 4
        /// `hs_task_priority`: LOW, MEDIUM or HIGH.
        public var priority = "HIGH"
        /// `hs_task_type`: TODO, CALL or EMAIL.
        public var type = "TODO"
    }

    /// Who owns a hot account: its owner in the CRM when set, else these rules.
    public struct Owners: Sendable, Codable, Equatable {
        /// An owner read from the CRM is read again once it is this old.
        public var refreshAfterHours = 24
        /// Territory rules, the first that matches the account's company wins.
        public var territories: [Territory] = []
        /// Owner ids given in turn to accounts no territory matches. An account keeps the owner it was given.
        public var roundRobin: [String] = []
    }

    /// A territory: accounts whose company matches every condition given (an empty one matches any) go to `owner`.
    public struct Territory: Sendable, Codable, Equatable {
        /// The CRM owner id (HubSpot's `hubspot_owner_id`).
        public var owner: String
        /// Countries as the companies file or group traits give them (compared without case).
        public var countries: [String] = []
        public var industries: [String] = []
        /// Employee counts from `min_employees` to `max_employees` (0: no upper bound).
        public var minEmployees = 0
        public var maxEmployees = 0

        public init(owner: String, countries: [String] = [], industries: [String] = [], minEmployees: Int = 0, maxEmployees: Int = 0) {
            (self.owner, self.countries, self.industries, self.minEmployees, self.maxEmployees) = (
                owner, countries, industries, minEmployees, maxEmployees
            )
        }
    }

    /// How long raw events are kept (SPEC §8): a service that runs for months must not grow without bound.
    public struct Retention: Sendable, Codable, Equatable {
        /// Raw activity events (track, page, screen) and quarantined lines older than this many days are compacted
        /// away, whole UTC days at a time; their packed daily aggregates, the scores, briefings and the CRM outbox are
        /// kept, and so are identify, group and alias calls (the identity history scoring reads as of any time).
        /// 0 keeps everything. Once compacted, an activity event timestamped before the horizon is not stored.
        public var rawEventDays = 0
    }

    /// `briefer backtest`: how conversions are labelled (issue 7; seeds 001, 003, 004).
    /// `briefer serve`'s pipeline cycle (SPEC §8).
    public struct Serve: Sendable, Codable, Equatable {
        /// Time between the starts of two cycles when nothing triggers one sooner.
        public var cycleIntervalSeconds = 300
        /// A request carrying one of these events (by name, as stored) starts a cycle soon, not at the interval.
        public var triggerEvents = ["pricing_page_viewed", "plan_limit_reached", "upgrade_clicked", "checkout_started"]
        /// How long a trigger waits for more before the cycle starts (a burst makes one cycle).
        public var triggerDelaySeconds = 5
    }

    public struct Backtest: Sendable, Codable, Equatable {
        /// A paid subscription starting within this many days after the backtest time is a conversion
        /// (`--horizon` overrides).
        public var horizonDays = 30
        /// Plans that are not paid: starting one is not a conversion, and a user on one is not paying.
        public var freePlans = ["free"]
        /// Weeks before the backtest time over which the weekly flow of new hot accounts is averaged
        /// for `--capacity` suggestions.
        public var capacityWeeks = 4
    }

    public struct Identity: Sendable, Codable, Equatable {
        /// Domains that are never an account (a user with only such an email is an account of one).
        public var freeMailDomains: [String] = [
            "gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com", "live.com", "msn.com",
            "icloud.com", "me.com", "aol.com", "protonmail.com", "proton.me", "gmx.com", "mail.com", "yandex.com",
        ]
        /// Your own and test domains (and their subdomains): their users are excluded from scoring.
        public var internalDomains: [String] = ["tallyboard.io"]
    }

    /// How each event source's calls become events (SPEC §2).
    public struct Sources: Sendable, Codable, Equatable {
        public var segment = Segment()
        public var posthog = PostHog()
        public var amplitude = Amplitude()
        public var mixpanel = Mixpanel()
        public init() {}

        public struct PostHog: Sendable, Codable, Equatable {
            /// The group type whose key is the account (`$groups.<type>`, `$groupidentify` of that type).
            public var groupType = "company"
            /// Events the SDK sends on its own that name no product action (autocaptured interactions, page leaves,
            /// flag checks, vitals, person-property updates): stored, never activity; the person properties and
            /// links they carry still count. `*` matches anything.
            public var ignoredEvents = [
                "$autocapture", "$rageclick", "$dead_click", "$copy_autocapture", "$pageleave", "$feature_flag_called",
                "$web_vitals", "$exception", "$set", "$opt_in", "$snapshot", "$performance_event",
            ]
            public init() {}
        }

        public struct Amplitude: Sendable, Codable, Equatable {
            /// The group type whose value is the account (`groups.<type>`).
            public var groupType = "company"
            /// Session bookkeeping and autocaptured interactions: stored, never activity; the device link and person
            /// properties they carry still count. `*` matches anything (a leading `*` would take your own events too).
            public var ignoredEvents = [
                "session_start", "session_end", "[Amplitude] Start Session", "[Amplitude] End Session", "Session Started",
                "Session Ended", "[Amplitude] Element Clicked", "[Amplitude] Element Changed", "Element Clicked", "Element Changed",
                "[Amplitude] Form Started", "Form Started", "[Amplitude] Rage Click", "[Amplitude] Dead Click",
                "[Amplitude] Network Request",
            ]
            public init() {}
        }

        public struct Mixpanel: Sendable, Codable, Equatable {
            /// The event property naming the account: Mixpanel has no standard one.
            public var groupProperty = "company_domain"
            /// Identity bookkeeping, autocaptured interactions and session replay: stored, never activity; the device
            /// link and person properties they carry still count. `*` matches anything.
            public var ignoredEvents = [
                "$merge", "$mp_click", "$mp_input_change", "$mp_submit", "$mp_scroll", "$mp_rage_click", "$mp_dead_click",
                "$mp_page_leave", "$mp_session_record",
            ]
            /// Older Mixpanel projects export `time` in the project's time zone, not UTC: its IANA name
            /// (`America/Los_Angeles`); empty for UTC.
            public var projectTimeZone = ""
            public init() {}
        }

        public struct Segment: Sendable, Codable, Equatable {
            public init() {}

            /// Page and screen calls are events: the first rule matching a call names it; a call no rule matches is
            /// named as Segment's destinations name it ("Viewed {category} {name} Page", "Loaded a Page",
            /// "Viewed {name} Screen", "Loaded a Screen").
            public var pageEvents: [PageEventRule] = [
                .init(path: "/pricing*", event: "pricing_page_viewed"),
                .init(name: "Pricing", event: "pricing_page_viewed"),
            ]
            /// A call without `timestamp` but with `originalTimestamp`, `sentAt` and `receivedAt` gets Segment's
            /// correction for the device's clock: receivedAt − (sentAt − originalTimestamp).
            public var correctClockSkew = true
        }

        /// One page or screen naming rule: a path pattern (`*` matches anything, case-insensitive) or a call name.
        public struct PageEventRule: Sendable, Codable, Equatable {
            /// The page's path (`properties.path`, else `context.page.path`, else the path of `properties.url`).
            public var path = ""
            /// The call's `name` (a page's or a screen's), compared case-insensitively, `*` as in `path`.
            public var name = ""
            /// The event name the call is stored under.
            public var event = ""

            public init(path: String = "", name: String = "", event: String) {
                self.path = path; self.name = name; self.event = event
            }

            /// A rule names a path or a name: the other may be left out.
            public init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                path = try c.decodeIfPresent(String.self, forKey: .path) ?? ""
                name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
                event = try c.decode(String.self, forKey: .event)
            }
        }
    }

    public struct Hygiene: Sendable, Codable, Equatable {
        /// At most this many events of one name per user per UTC day count (repetitive events, seed 002).
        public var dailyCapPerEvent = 50
        /// A user's UTC day with more events than this is a bot-like burst: the whole day is excluded.
        public var botMaxEventsPerDay = 500
        /// Lines longer than this are quarantined (`oversized_line`).
        public var maxLineBytes = 1_048_576
        /// Event times further than this in the future (at ingest) are quarantined (`future_timestamp`).
        public var futureToleranceSeconds = 300
    }

    public struct ActivationRule: Sendable, Codable, Equatable {
        public var event: String
        public var minCount: Int
        public var weight: Int
        public init(event: String, minCount: Int, weight: Int) { self.event = event; self.minCount = minCount; self.weight = weight }

        /// The rule earns its weight with this many counted events.
        public func isMet(by count: Int) -> Bool { count >= minCount }
    }

    public struct Threshold: Sendable, Codable, Equatable {
        /// Strictly greater than this value earns `points`.
        public var above: Int64
        public var points: Int
        public init(above: Int64, points: Int) { self.above = above; self.points = points }
    }

    public struct IndustryGroup: Sendable, Codable, Equatable {
        public var names: [String]
        public var points: Int
        public init(names: [String], points: Int) { self.names = names; self.points = points }
    }

    public struct RecencyStep: Sendable, Codable, Equatable {
        /// Last activity within this many days of the as-of time (strictly inside) earns `points`.
        public var withinDays: Int
        public var points: Int
        public init(withinDays: Int, points: Int) { self.withinDays = withinDays; self.points = points }
    }

    public struct Weighted: Sendable, Codable, Equatable {
        public var activation = Activation()
        public var engagement = Engagement()
        public var firmographic = Firmographic()
        public var weights = ComponentWeights()
        public var tiers = Tiers()

        public struct Activation: Sendable, Codable, Equatable {
            public var windowDays = 14
            public var events: [ActivationRule] = [
                .init(event: "project_created", minCount: 1, weight: 30),
                .init(event: "team_invite_sent", minCount: 1, weight: 30),
                .init(event: "core_feature_used", minCount: 3, weight: 25),
                .init(event: "integration_connected", minCount: 1, weight: 15),
            ]
            public var max = 100
        }

        public struct Engagement: Sendable, Codable, Equatable {
            public var windowDays = 14
            /// Active days in the window that earn the full frequency score.
            public var fullFrequencyDays = 14
            /// Distinct features in the window that earn the full breadth score.
            public var fullBreadthFeatures = 8
            /// Empty: a feature is a distinct event name (seed 004). Otherwise the event property whose
            /// distinct string values are the features (e.g. `feature`).
            public var featureProperty = ""
            public var recency: [RecencyStep] = [
                .init(withinDays: 1, points: 100), .init(withinDays: 3, points: 75), .init(withinDays: 7, points: 40),
            ]
            /// Recency points when active in the window but not within any step.
            public var recencyOtherwise = 10
            public var weights = Weights()

            public struct Weights: Sendable, Codable, Equatable {
                public var frequency = 40
                public var breadth = 35
                public var recency = 25
            }
        }

        public struct Firmographic: Sendable, Codable, Equatable {
            public var employees: [Threshold] = [
                .init(above: 500, points: 30), .init(above: 100, points: 25), .init(above: 20, points: 20), .init(above: 5, points: 15),
            ]
            public var employeesOtherwise = 5
            public var industries: [IndustryGroup] = [
                .init(names: ["saas", "technology", "fintech"], points: 25),
                .init(names: ["ecommerce", "media", "education"], points: 20),
                .init(names: ["healthcare", "manufacturing"], points: 15),
            ]
            public var industryOtherwise = 10
            public var revenue: [Threshold] = [
                .init(above: 10_000_000, points: 25), .init(above: 1_000_000, points: 20), .init(above: 100_000, points: 15),
            ]
            public var revenueOtherwise = 5
            public var workEmail = 20
            public var max = 100
        }

        public struct ComponentWeights: Sendable, Codable, Equatable {
            public var activation = 40
            public var engagement = 35
            public var firmographic = 25
        }

        public struct Tiers: Sendable, Codable, Equatable {
            public var hot = 75
            public var warm = 50
            public var nurture = 25
        }
    }

    public struct CountStep: Sendable, Codable, Equatable {
        public var minCount: Int
        public var points: Int
        public init(minCount: Int, points: Int) { self.minCount = minCount; self.points = points }
    }

    public struct BehaviourRule: Sendable, Codable, Equatable {
        public var event: String
        /// 0: every event up to the as-of time; otherwise only events within this many days of signup.
        public var withinSignupDays: Int = 0
        /// Steps, highest first: the first whose `min_count` is reached earns its points.
        public var steps: [CountStep]
        public init(event: String, withinSignupDays: Int = 0, steps: [CountStep]) {
            self.event = event; self.withinSignupDays = withinSignupDays; self.steps = steps
        }

        /// The step this many counted events reach (the first, highest first), if any.
        public func step(for count: Int) -> CountStep? { steps.first { count >= $0.minCount } }
    }

    public struct Points: Sendable, Codable, Equatable {
        public var fit = Fit()
        public var behaviour = Behaviour()
        public var pql = Qualification()
        public var tiers = Tiers()
        public var maxTotal = 150

        public struct Fit: Sendable, Codable, Equatable {
            public var max = 50
            public var icpEmployeesMin: Int64 = 50
            public var icpEmployeesMax: Int64 = 500
            public var icpEmployeesPoints = 15
            public var adjacentEmployeesMin: Int64 = 25
            public var adjacentEmployeesMax: Int64 = 1000
            public var adjacentEmployeesPoints = 8
            public var targetIndustries = ["saas", "technology"]
            public var targetIndustryPoints = 10
            public var adjacentIndustries = ["fintech", "ecommerce", "media"]
            public var adjacentIndustryPoints = 5
            /// Title words (case-insensitive, whole words) for VP / Director / C-level.
            public var seniorTitleWords = [
                "vp", "vice", "director", "chief", "ceo", "cto", "cfo", "coo", "cmo", "cio", "head", "founder", "president",
            ]
            public var seniorTitlePoints = 10
            public var managerTitleWords = ["manager", "lead"]
            public var managerTitlePoints = 6
            public var otherTitlePoints = 2
            public var complementaryTools = ["salesforce", "segment", "hubspot", "snowflake"]
            public var complementaryToolPoints = 8
            public var partialTools = ["slack", "zapier", "intercom"]
            public var partialToolPoints = 4
            public var targetCountries = ["US", "CA", "GB"]
            public var targetCountryPoints = 7
            public var secondaryCountries = ["DE", "FR", "NL", "AU", "IE"]
            public var secondaryCountryPoints = 4
            public var competitorDomains: [String] = []
            public var competitorPoints = -30
            public var personalEmailPoints = -15
            /// A title containing "student" or an email on a `.edu` domain.
            public var studentPoints = -10
        }

        public struct Behaviour: Sendable, Codable, Equatable {
            /// The rubric total is capped here before the velocity bonus.
            public var max = 100
            public var rules: [BehaviourRule] = [
                .init(event: "onboarding_completed", steps: [.init(minCount: 1, points: 15)]),
                .init(event: "core_feature_used", withinSignupDays: 14, steps: [.init(minCount: 3, points: 20)]),
                .init(event: "integration_connected", steps: [.init(minCount: 1, points: 15)]),
                .init(event: "team_invite_sent", steps: [.init(minCount: 2, points: 15), .init(minCount: 1, points: 10)]),
                .init(event: "pricing_page_viewed", steps: [.init(minCount: 1, points: 10)]),
                .init(event: "checkout_started", steps: [.init(minCount: 1, points: 15)]),
                .init(event: "premium_feature_used", steps: [.init(minCount: 1, points: 8)]),
                .init(event: "report_exported", steps: [.init(minCount: 1, points: 5)]),
                .init(
                    event: "login", withinSignupDays: 7,
                    steps: [.init(minCount: 5, points: 10), .init(minCount: 3, points: 5), .init(minCount: 1, points: 2)]),
            ]
            public var velocity = Velocity()
            public var inactivity = Inactivity()
            public var negativeEvents: [NegativeEvent] = [
                .init(event: "email_unsubscribed", points: -5), .init(event: "plan_downgraded", points: -8),
            ]
            /// Negative events count when within this many days before the as-of time.
            public var negativeWindowDays = 30
            public var decay = Decay()

            public struct Velocity: Sendable, Codable, Equatable {
                public var keyActions = [
                    "core_feature_used", "project_created", "team_invite_sent", "integration_connected", "pricing_page_viewed",
                    "checkout_started", "report_exported", "premium_feature_used",
                ]
                public var minActions = 5
                public var windowHours = 48
                /// Only bursts within this many days before the as-of time earn the bonus (once).
                public var lookbackDays = 14
                public var bonus = 25
            }

            public struct Inactivity: Sendable, Codable, Equatable {
                /// Each full period of this many days without activity costs `points_per_period`.
                public var periodDays = 14
                public var pointsPerPeriod = -10
            }

            public struct Decay: Sendable, Codable, Equatable {
                public var periodDays = 30
                public var pointsPerPeriod = 10
                public var floor = 5
            }
        }

        public struct NegativeEvent: Sendable, Codable, Equatable {
            public var event: String
            public var points: Int
            public init(event: String, points: Int) { self.event = event; self.points = points }
        }

        public struct Qualification: Sendable, Codable, Equatable {
            public var minTotal = 80
            public var minFit = 15
            public var minBehaviour = 40
        }

        public struct Tiers: Sendable, Codable, Equatable {
            public var warm = 60
            public var nurture = 30
        }
    }

    public struct Account: Sendable, Codable, Equatable {
        public var teamBonusPerUser = 3
        public var teamBonusCap = 15
        public var teamActiveDays = 7
    }

    public struct Signal: Sendable, Codable, Equatable {
        public var event: String
        /// The event property whose value is the reason's detail (`plan_limit_reached:api_requests:+0`); empty for none.
        public var detailProperty: String = ""
        public init(event: String, detailProperty: String = "") { self.event = event; self.detailProperty = detailProperty }
    }

    public struct Reasons: Sendable, Codable, Equatable {
        /// At most this many reason codes per score.
        public var max = 5
        /// Intent signals reported as reasons (worth +0 points) when seen within `signal_window_days`.
        public var signals: [Signal] = [.init(event: "plan_limit_reached", detailProperty: "limit"), .init(event: "pricing_page_viewed")]
        public var signalWindowDays = 14
    }
}
