import BrieferCore
import BrieferStore
import Foundation
import Logging

/// What every command works with, built once: the configuration (and the file it came from, which relative
/// prompt paths are read against), the database, the prompt template's source and the endpoint overrides; and
/// the clients and use cases over them. A long-running server builds one and keeps it.
public struct BrieferSession: Sendable {
    public let configuration: BrieferConfiguration
    /// The configuration file read, nil for the built-in defaults.
    public let configurationFile: String?
    /// The database (nil for what needs none: `briefer regress` works on its suite).
    public let database: BrieferStore?
    /// `--prompt` (relative to the working directory), else the configuration's (relative to its file).
    public let promptSource: PromptSource
    /// The model endpoint's overrides (`--base-url`, `--api-key-file`); the environment and the configuration after them.
    public let baseUrl: String?
    public let apiKeyFile: String?
    public let logger: Logger

    /// - Parameters:
    ///   - prompt: a prompt template file that replaces the configuration's.
    ///   - model: a model that replaces the configuration's `enrichment.model`.
    public init(
        configuration: BrieferConfiguration, configurationFile: String?, store: BrieferStore?, prompt: String? = nil,
        model: String? = nil, baseUrl: String? = nil, apiKeyFile: String? = nil, logger: Logger
    ) {
        var configuration = configuration
        if let model, !model.isEmpty { configuration.enrichment.model = model }
        self.configuration = configuration
        self.configurationFile = configurationFile
        database = store
        promptSource = prompt.map { .file($0) } ?? .configured(configuration.enrichment.prompt, configurationFile: configurationFile)
        self.baseUrl = baseUrl
        self.apiKeyFile = apiKeyFile
        self.logger = logger
    }

    /// The database, for the use cases that work on one.
    public var store: BrieferStore {
        get throws {
            guard let database else { throw BrieferSessionError(code: .noDatabase, message: "this command was given no database") }
            return database
        }
    }

    public func template() throws(PromptTemplateError) -> PromptTemplate { try PromptLoader.load(promptSource) }

    /// A client for the model endpoint (`--base-url`, else OPENAI_BASE_URL, else `enrichment.base_url`; the key likewise).
    public func modelClient() throws -> LLMClient {
        let endpoint = try LLMEndpoint.resolve(configuration: configuration.enrichment, baseUrlFlag: baseUrl, apiKeyFileFlag: apiKeyFile)
        return LLMClient(endpoint: endpoint, settings: configuration.enrichment, logger: logger)
    }

    /// A client for HubSpot (`crm.base_url`, HUBSPOT_BASE_URL; HUBSPOT_ACCESS_TOKEN).
    public func hubspotClient() throws -> HubSpotClient {
        HubSpotClient(endpoint: try HubSpotEndpoint.resolve(configuration: configuration.crm), settings: configuration.crm, logger: logger)
    }

    public func enricher() throws -> Enricher {
        Enricher(store: try store, configuration: configuration, template: try template(), logger: logger)
    }

    public func crmSync() throws -> CRMSync { CRMSync(store: try store, configuration: configuration, logger: logger) }

    public func actionRunner() throws -> ActionRunner { ActionRunner(store: try store, configuration: configuration, logger: logger) }

    /// Where the enabled notifications go (none while actions are off); an error naming a missing secret.
    public func notificationTargets() throws -> NotificationTargets {
        configuration.actions.enabled ? try NotificationTargets.resolve(configuration.actions) : NotificationTargets()
    }

    /// Every stage; pushing to HubSpot when `push`, else writing request files.
    public func pipeline(push: Bool) throws -> Pipeline {
        Pipeline(
            store: try store, configuration: configuration, template: try template(), llm: try modelClient(),
            hubspot: push ? try hubspotClient() : nil, notifications: push ? try notificationTargets() : NotificationTargets(),
            logger: logger)
    }
}

/// A use case that cannot go on with what the session holds.
public struct BrieferSessionError: BrieferError {
    public let code: BrieferErrorCode
    public let message: String
}
