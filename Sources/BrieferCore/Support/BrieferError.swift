/// An error a user can see: a stable code, which tests, scripts and the CLI's exit-status map compare, and a
/// message saying what happened, to what, and what to do. Messages may be reworded; codes stay.
public protocol BrieferError: Error, CustomStringConvertible, Sendable {
    var code: BrieferErrorCode { get }
    var message: String { get }
}

extension BrieferError {
    public var description: String { message }
}

/// The codes of ``BrieferError``s, in snake_case as printed (`error [no_scoring_run]: …`).
public struct BrieferErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
}

extension BrieferErrorCode {
    // What Briefer is given.
    /// The configuration file is not valid (unknown key, wrong type, a value out of range).
    public static let invalidConfiguration = Self(rawValue: "invalid_configuration")
    /// The prompt template cannot be read or is not valid.
    public static let invalidPrompt = Self(rawValue: "invalid_prompt")
    /// A regression case, cassette, golden file or baseline cannot be read or is not valid.
    public static let invalidSuite = Self(rawValue: "invalid_suite")
    /// A command-line value is not acceptable (a time that is not ISO-8601, a name with other characters).
    public static let badArgument = Self(rawValue: "bad_argument")
    /// An input file cannot be read.
    public static let unreadableInput = Self(rawValue: "unreadable_input")
    /// A compressed input is corrupt or ends early (what came before the damage was read).
    public static let badCompression = Self(rawValue: "bad_compression")
    /// An input file has no header line.
    public static let emptyInput = Self(rawValue: "empty_input")
    /// A CSV file's header says neither what it holds nor matches --kind.
    public static let unknownCSV = Self(rawValue: "unknown_csv")
    /// A CSV file lacks columns its kind needs.
    public static let missingColumns = Self(rawValue: "missing_columns")

    // The database and what it holds.
    /// No database where one is needed.
    public static let noDatabase = Self(rawValue: "no_database")
    /// The database cannot be opened or migrated.
    public static let cannotOpenDatabase = Self(rawValue: "cannot_open_database")
    /// No scoring run of the configured model yet.
    public static let noScoringRun = Self(rawValue: "no_scoring_run")
    /// An account named is not one the command can work on (not hot, not in the run).
    public static let unknownAccount = Self(rawValue: "unknown_account")

    // Files written.
    /// A file or folder cannot be written.
    public static let cannotWrite = Self(rawValue: "cannot_write")
    /// What would be written exists already and is not overwritten.
    public static let alreadyExists = Self(rawValue: "already_exists")

    // Endpoints.
    /// An endpoint's URL is not usable (its scheme, or cleartext HTTP carrying a secret).
    public static let badEndpoint = Self(rawValue: "bad_endpoint")
    /// A secret the command needs is missing or cannot be read (the HubSpot token, an API key file).
    public static let missingSecret = Self(rawValue: "missing_secret")
    /// The model endpoint refused the request (401, 403, 404, nothing listening).
    public static let endpointRefused = Self(rawValue: "endpoint_refused")
    /// The CRM refused or could not be asked what the command needed before anything was sent.
    public static let crmRefused = Self(rawValue: "crm_refused")
    /// The HubSpot token belongs to another portal than the one this database synced to.
    public static let portalMismatch = Self(rawValue: "portal_mismatch")
    /// Another process is syncing this database.
    public static let syncBusy = Self(rawValue: "sync_busy")
    /// Another process stored new users or event names during an ingest: nothing of that batch was written; run it again.
    public static let staleIds = Self(rawValue: "stale_ids")

    // briefer serve's answers to clients (in the JSON body of a 4xx, as Segment's API words them).
    /// The request is not JSON, or not the shape its endpoint takes.
    public static let invalidRequest = Self(rawValue: "invalid_request")
    /// The request or one of its calls is larger than Segment's limits (500 KB a batch, 32 KB a call).
    public static let requestTooLarge = Self(rawValue: "request_too_large")
    /// No write key, or one this service does not know.
    public static let unauthorized = Self(rawValue: "unauthorized")
}
