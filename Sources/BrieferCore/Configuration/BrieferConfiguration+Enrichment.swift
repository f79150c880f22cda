extension BrieferConfiguration {
    /// Which hot accounts get a briefing, and how many a day (SPEC §4).
    public struct Selection: Sendable, Codable, Equatable {
        /// Briefings per UTC day at most (SDR capacity); the rest wait for the next day.
        public var maxPerDay = 50
        /// An account whose prompt input changed is briefed again only when its last briefing is older than this.
        public var refreshAfterHours = 24
    }

    /// The model call, the validation of its answer, repair and fallback (SPEC §5).
    public struct Enrichment: Sendable, Codable, Equatable {
        /// The prompt template: empty for the default compiled into the binary (Prompts/briefing.v3.yaml), else a
        /// file, relative to the configuration file's directory (or absolute).
        public var prompt = ""
        /// The OpenAI-compatible endpoint (`OPENAI_BASE_URL` and `--base-url` override it).
        public var baseUrl = "http://127.0.0.1:8088/v1"
        /// A file holding the API key, read when neither `--api-key-file` nor `OPENAI_API_KEY` gives one
        /// (the key itself never goes in this file, which is shared and committed); empty for none.
        public var apiKeyFile = ""
        /// The model name sent in each request.
        public var model = "smollm2-135m-instruct"
        /// Tried in order, for the account's remaining attempts, when the model keeps failing.
        public var fallbackModels: [String] = []
        /// `json_schema` (the nested strict form), `json_object` or `none`, for servers that lack the first.
        public var responseFormat = ResponseFormat.jsonSchema
        public var temperature = 0.3
        public var maxTokens = 1000
        public var connectTimeoutSeconds = 5
        public var requestTimeoutSeconds = 60
        /// Retries of one request after a connection error, timeout, 408, 409, 429 or 5xx.
        public var maxRetries = 2
        /// A server asking to wait longer than this (retry-after) defers the account to the next run.
        public var maxRetryAfterSeconds = 120
        /// Requests in flight at once.
        public var concurrency = 2
        /// Client-side limits; 0 is no limit.
        public var requestsPerMinute = 0
        public var tokensPerMinute = 0
        /// Attempts per account (the first answer and its repairs) before the fallback.
        public var maxAttempts = 3
        /// Tokens (prompt + completion, all attempts) one account may use; a repair that would pass it is not asked.
        public var tokenBudgetPerAccount = 6000
        /// Enrichment stops for the UTC day once the day's estimated cost reaches this (US dollars; 0 is no cap).
        public var dailySpendCapUsd = 5.0
        /// An account is leased for this long while one process briefs it (two workers on one database
        /// never brief the same account); a crashed worker's leases expire after it.
        public var leaseSeconds = 900
        /// What an account gets when every attempt failed validation: `rules` (a briefing built from its
        /// reason codes, `source: rules`) or `needs_review` (no briefing; listed for a person).
        public var onFailure = FailureAction.rules
        /// Prices per million tokens, by model; a model not listed costs 0.
        public var prices: [Price] = [.init(model: "gpt-4o-mini", inputPerMillion: 0.15, outputPerMillion: 0.6)]
        public var briefing = BriefingRules()
        /// Event properties whose values the prompt names (features, integrations, limits): kept with each
        /// event in the scoring aggregates. A signal's own detail property (`reasons.signals`) wins.
        public var detailProperties: [DetailProperty] = [
            .init(event: "core_feature_used", property: "feature"),
            .init(event: "premium_feature_used", property: "feature"),
            .init(event: "integration_connected", property: "integration"),
            .init(event: "plan_limit_reached", property: "limit"),
        ]
        /// The event whose property values are integrations, and the one counted as a teammate invitation.
        public var integrationEvent = "integration_connected"
        public var limitEvent = "plan_limit_reached"
        public var inviteEvent = "team_invite_sent"

        public enum ResponseFormat: String, Sendable, Codable, CaseIterable {
            case jsonSchema = "json_schema"
            case jsonObject = "json_object"
            case none
        }

        public enum FailureAction: String, Sendable, Codable, CaseIterable {
            case rules
            case needsReview = "needs_review"
        }

        public struct DetailProperty: Sendable, Codable, Equatable {
            public var event: String
            public var property: String
            public init(event: String, property: String) { self.event = event; self.property = property }
        }

        public struct Price: Sendable, Codable, Equatable {
            public var model: String
            public var inputPerMillion: Double
            public var outputPerMillion: Double
            public init(model: String, inputPerMillion: Double, outputPerMillion: Double) {
                self.model = model; self.inputPerMillion = inputPerMillion; self.outputPerMillion = outputPerMillion
            }
        }
    }

    /// What a briefing must be (SPEC §5 validation).
    public struct BriefingRules: Sendable, Codable, Equatable {
        /// Each field's length in characters (also sent to the model as the JSON schema's bounds).
        public var minFieldChars = 20
        public var maxFieldChars = 200
        /// Untrusted text (company names, event properties) is cut to this many characters in the prompt.
        public var maxUntrustedChars = 80
        /// Two fields whose word sets overlap at least this much (percent, Jaccard) are near-identical.
        public var duplicateSimilarityPercent = 80
        /// Phrases that say nothing; a field containing one (case-insensitive) fails `generic_phrase`.
        public var genericPhrases: [String] = [
            "touch base", "reach out to discuss", "valuable insights", "circle back", "synergy", "synergies",
            "game changer", "game-changer", "take it to the next level", "best-in-class", "low-hanging fruit",
            "unlock the full potential", "unlock their full potential", "hope this finds you well",
            "leverage our platform", "explore how we can help", "add value", "win-win", "cutting-edge",
            "streamline their workflow", "drive growth", "i wanted to reach out", "just checking in",
        ]
        /// Product and integration names the model might invent: mentioned but absent from the account's
        /// input they are ungrounded, as are the workspace's own feature, integration and limit names.
        public var knownTerms: [String] = [
            "slack", "salesforce", "hubspot", "snowflake", "zapier", "jira", "github", "gitlab", "notion",
            "asana", "trello", "zendesk", "intercom", "segment", "bigquery", "redshift", "databricks", "looker",
            "tableau", "power bi", "dbt", "postgres", "mysql", "stripe", "shopify", "okta", "sso", "saml",
            "microsoft teams", "google sheets", "excel", "airtable", "marketo", "mailchimp",
        ]
        /// The vendor's own product and plan names: a briefing may name them though no account's data does
        /// ("the Enterprise plan" as an upgrade path). Every other name must be in the account's data.
        public var productTerms: [String] = ["pro plan", "team plan", "enterprise plan", "business plan"]
    }
}

extension BrieferConfiguration {
    /// How scores and briefings become CRM contact properties (SPEC §6).
    public struct CRM: Sendable, Codable, Equatable {
        /// The property group the properties are created in.
        public var groupName = "pql_scoring"
        public var groupLabel = "PQL scoring"
        /// Property names other than the defaults (`pql_score`, …), one per property renamed.
        public var propertyNames: [PropertyName] = []
        /// The contacts of an account written to, at most: work emails first, then by contact score.
        public var maxContactsPerAccount = 5
        /// Never written to: email addresses, or `@domain` for everyone at a domain.
        public var doNotContact: [String] = []
        /// The tiers whose contacts are written with `batch/upsert` (created when the CRM lacks them); the
        /// others are only updated if the CRM knows them (`batch/read` by email, then `batch/update`).
        public var createTiers: [Tier] = [.hot]
        /// Where `briefer sync` writes its request files (`--out` overrides).
        public var outDir = "out/crm"
        /// The CRM API (`HUBSPOT_BASE_URL` overrides); the token is read from `HUBSPOT_ACCESS_TOKEN` only.
        public var baseUrl = "https://api.hubapi.com"
        /// Inputs per batch request (HubSpot's limit is 100).
        public var batchSize = 100
        /// The client-side request budget: at most this many requests …
        public var requestsPerWindow = 100
        /// … in any window of this many seconds (HubSpot's private-app limit is 100 per 10 s).
        public var windowSeconds = 10
        public var connectTimeoutSeconds = 5
        public var requestTimeoutSeconds = 30
        /// Retries of one request after a 429, a 5xx or a connection error (then left for the next run).
        public var maxRetries = 3
        /// A 429 or 5xx asking to wait longer than this stops pushing for the run.
        public var maxRetryAfterSeconds = 60
        /// A contact the CRM did not know (not a create tier) is asked for again after this many hours.
        public var recheckMissingAfterHours = 24

        public init() {}

        public struct PropertyName: Sendable, Codable, Equatable {
            /// The default name of the property (`pql_score`, …).
            public var property: String
            /// The name it has in your CRM.
            public var name: String
            public init(property: String, name: String) { self.property = property; self.name = name }
        }
    }
}
