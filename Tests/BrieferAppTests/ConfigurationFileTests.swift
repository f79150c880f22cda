import BrieferApp
import BrieferCore
import BrieferTesting
import CCurl
import Foundation
import Testing

struct ConfigurationFileTests {
    /// The commented file a RevOps admin edits holds exactly the SPEC defaults.
    @Test func theShippedConfigFileHoldsTheDefaults() throws {
        let configuration = try ConfigurationLoader.load(path: FixturePaths.config.path)
        #expect(configuration == BrieferConfiguration())
    }

    @Test func anUnknownKeyIsNamedWithItsLine() throws {
        let yaml = "weighted:\n  tiers:\n    hot: 80\n    lukewarm: 60\n"
        let error = try #require(throws: ConfigurationError.self) { try ConfigurationLoader.parse(yaml) }
        #expect(error.problems.map(\.key) == ["weighted.tiers.lukewarm"])
        #expect(error.description.contains("line 4"))
    }

    @Test func aWrongTypeIsNamed() throws {
        let error = try #require(throws: ConfigurationError.self) {
            try ConfigurationLoader.parse("hygiene:\n  daily_cap_per_event: lots\n")
        }
        #expect(error.problems.first?.key == "hygiene.daily_cap_per_event")
    }

    @Test func thresholdsOutOfOrderAreNamed() throws {
        let error = try #require(throws: ConfigurationError.self) {
            try ConfigurationLoader.parse("weighted:\n  tiers: {hot: 40, warm: 50, nurture: 25}\n")
        }
        #expect(error.problems.map(\.key).contains("weighted.tiers.hot"))
    }

    @Test func aNegativeWeightInAListIsNamedWithItsIndex() throws {
        let yaml = "weighted:\n  activation:\n    events:\n      - {event: project_created, min_count: 1, weight: -30}\n"
        let error = try #require(throws: ConfigurationError.self) { try ConfigurationLoader.parse(yaml) }
        #expect(error.problems.map(\.key) == ["weighted.activation.events[0].weight"])
    }

    @Test func aPartialFileKeepsTheOtherDefaults() throws {
        let configuration = try ConfigurationLoader.parse("account:\n  team_bonus_cap: 9\n")
        var expected = BrieferConfiguration()
        expected.account.teamBonusCap = 9
        #expect(configuration == expected)
    }

    @Test func theEnvironmentNamesTheFileWhenNoFlagDoes() {
        #expect(ConfigurationLoader.resolvePath(flag: nil, environment: ["BRIEFER_CONFIG": "/x.yaml"]) == "/x.yaml")
        #expect(ConfigurationLoader.resolvePath(flag: "/flag.yaml", environment: ["BRIEFER_CONFIG": "/x.yaml"]) == "/flag.yaml")
    }

    /// Without a flag or BRIEFER_CONFIG: ./config/briefer.yaml, then the user's XDG file, then /etc's (HOME,
    /// XDG_CONFIG_HOME and /etc stand in by temporary directories).
    @Test func theFileIsFoundInTheWorkingDirectoryThenTheUsersThenTheSystems() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("briefer-config-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let (work, home, xdg, etc) = (
            root.appendingPathComponent("work"), root.appendingPathComponent("home"),
            root.appendingPathComponent("xdg"), root.appendingPathComponent("etc")
        )
        func place(_ directory: URL, _ relative: String) throws -> String {
            let file = directory.appendingPathComponent(relative)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data("account:\n  team_bonus_cap: 9\n".utf8).write(to: file)
            return file.path
        }
        func found(_ environment: [String: String]) -> String? {
            ConfigurationLoader.resolvePath(flag: nil, environment: environment, workingDirectory: work.path, systemDirectory: etc.path)
        }
        let users = ["HOME": home.path]
        #expect(found(users) == nil)
        let system = try place(etc, "briefer/briefer.yaml")
        #expect(found(users) == system)
        let homeFile = try place(home, ".config/briefer/briefer.yaml")
        #expect(found(users) == homeFile)
        // XDG_CONFIG_HOME, when set, replaces ~/.config.
        #expect(found(users.merging(["XDG_CONFIG_HOME": xdg.path]) { $1 }) == system)
        let xdgFile = try place(xdg, "briefer/briefer.yaml")
        #expect(found(users.merging(["XDG_CONFIG_HOME": xdg.path]) { $1 }) == xdgFile)
        let local = try place(work, "config/briefer.yaml")
        #expect(found(users.merging(["XDG_CONFIG_HOME": xdg.path]) { $1 }) == local)
        #expect(found(["BRIEFER_CONFIG": "/x.yaml", "HOME": home.path]) == "/x.yaml")
    }

    /// A prompt path in a configuration file is read relative to that file; none is the built-in template.
    @Test func aConfiguredPromptIsRelativeToItsFile() {
        #expect(PromptSource.configured("", configurationFile: "/srv/app/config/briefer.yaml") == .builtIn)
        #expect(
            PromptSource.configured("../Prompts/briefing.v4.yaml", configurationFile: "/srv/app/config/briefer.yaml")
                == .file("/srv/app/Prompts/briefing.v4.yaml"))
        #expect(PromptSource.configured("/opt/p.yaml", configurationFile: "/srv/app/config/briefer.yaml") == .file("/opt/p.yaml"))
        // With no file (built-in defaults plus a flag-given path elsewhere), the working directory.
        #expect(PromptSource.configured("Prompts/p.yaml", configurationFile: nil) == .file("Prompts/p.yaml"))
    }

    /// The session every command works in: the model override applied, the prompt from the configuration's
    /// file, and no database for a command that needs none.
    @Test func aSessionIsBuiltOnceFromTheConfigurationAndTheFlags() throws {
        let configuration = try ConfigurationLoader.load(path: FixturePaths.config.path)
        let session = BrieferSession(
            configuration: configuration, configurationFile: FixturePaths.config.path, store: nil,
            model: "gpt-4o-mini", logger: .quiet)
        #expect(session.configuration.enrichment.model == "gpt-4o-mini" && session.promptSource == .builtIn)
        #expect(try #require(throws: BrieferSessionError.self) { try session.enricher() }.code == .noDatabase)
        let flagged = BrieferSession(
            configuration: configuration, configurationFile: FixturePaths.config.path, store: nil,
            prompt: "Prompts/briefing.v1.yaml", logger: .quiet)
        #expect(flagged.promptSource == .file("Prompts/briefing.v1.yaml"))
    }

    /// The template compiled into the binary is Prompts/' file, byte for byte (`make prompts` writes it).
    @Test func theBuiltInPromptIsThePromptsFile() throws {
        let file = try String(contentsOf: FixturePaths.root.appendingPathComponent("Prompts/\(BuiltInPrompt.name)"), encoding: .utf8)
        #expect(BuiltInPrompt.text == file, "Sources/BrieferApp/Enrichment/BuiltInPrompt.swift is out of date: run `make prompts`")
        let builtIn = try PromptLoader.load(.builtIn)
        #expect(builtIn == (try PromptLoader.load(path: FixturePaths.root.appendingPathComponent("Prompts/\(BuiltInPrompt.name)").path)))
        #expect(builtIn.version == "briefing-v3")
    }

    /// YAML number spellings that are not JSON's are read as the numbers they are.
    @Test func numberSpellingsAreReadAsNumbers() throws {
        #expect(try ConfigurationLoader.parse("hygiene:\n  daily_cap_per_event: +5\n").hygiene.dailyCapPerEvent == 5)
        #expect(try ConfigurationLoader.parse("hygiene:\n  daily_cap_per_event: 007\n").hygiene.dailyCapPerEvent == 7)
        #expect(try ConfigurationLoader.parse("hygiene:\n  daily_cap_per_event: 1_000\n").hygiene.dailyCapPerEvent == 1000)
        let error = try #require(throws: ConfigurationError.self) { try ConfigurationLoader.parse("hygiene:\n  daily_cap_per_event: .5\n") }
        #expect(error.problems.first?.key == "hygiene.daily_cap_per_event")
        let inList = try #require(throws: ConfigurationError.self) {
            try ConfigurationLoader.parse("weighted:\n  activation:\n    events:\n      - {event: a, min_count: 1, weight: 2.5}\n")
        }
        #expect(inList.problems.first?.key == "weighted.activation.events[0].weight")
    }

    /// Only true/false are booleans: NO (Norway) stays a country code.
    @Test func yesNoOnOffAreStrings() throws {
        let configuration = try ConfigurationLoader.parse("points:\n  fit:\n    target_countries: [US, NO, ON]\n")
        #expect(configuration.points.fit.targetCountries == ["US", "NO", "ON"])
    }

    @Test func valuesThatWouldOverflowAreRefusedByKey() throws {
        let error = try #require(throws: ConfigurationError.self) {
            try ConfigurationLoader.parse(
                "weighted:\n  activation:\n    window_days: 100000000000000\nhygiene:\n  max_line_bytes: 99999999999\n")
        }
        #expect(Set(error.problems.map(\.key)) == ["weighted.activation.window_days", "hygiene.max_line_bytes"])
    }

    @Test func anEmptySectionKeepsItsDefaults() throws {
        #expect(
            try ConfigurationLoader.parse("hygiene:\n  # daily_cap_per_event: 50\nmodel: points\n").hygiene
                == BrieferConfiguration().hygiene)
    }

    @Test func anUnknownModelListsTheChoices() throws {
        let error = try #require(throws: ConfigurationError.self) { try ConfigurationLoader.parse("model: pointz\n") }
        #expect(error.problems.first?.key == "model")
        #expect(error.description.contains("weighted, points"))
    }

    /// libcurl is linked through the CCurl shim (the HTTP layer of the next stages builds on it).
    @Test func libcurlIsLinked() throws {
        let version = try #require(curl_version())
        #expect(String(cString: version).hasPrefix("libcurl/"))
        let handle = try #require(curl_easy_init())
        defer { curl_easy_cleanup(handle) }
        #expect(briefer_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, 5000) == CURLE_OK)
    }
}
