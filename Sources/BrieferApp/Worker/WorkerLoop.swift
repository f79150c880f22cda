import Foundation
import Logging

/// `briefer worker`: the pipeline on an interval, ingesting what appeared in an inbox, until cancelled
/// (``GracefulShutdown`` cancels it on SIGTERM or SIGINT).
public struct WorkerLoop: Sendable {
    public let pipeline: Pipeline
    /// Every cycle's options; with an inbox, its settled files are the inputs.
    public let options: Pipeline.Options
    public let inbox: Inbox?
    /// Time between the starts of two cycles.
    public let interval: Duration
    /// Stop after this many cycles (nil: until cancelled).
    public let cycles: Int?
    /// What starts a cycle before the interval is up (`briefer serve`'s high-intent events).
    public let trigger: CycleTrigger?
    public let logger: Logger

    public init(
        pipeline: Pipeline, options: Pipeline.Options, inbox: Inbox?, interval: Duration, cycles: Int?, trigger: CycleTrigger? = nil,
        logger: Logger
    ) {
        self.pipeline = pipeline; self.options = options; self.inbox = inbox; self.interval = interval; self.cycles = cycles
        self.trigger = trigger; self.logger = logger
    }

    /// Runs cycles until cancelled or `cycles` are done, calling `report` with each finished cycle's summary.
    /// A cycle that fails (an unreadable file, a busy database, a file another worker took) is logged and the
    /// next one tries again; cancelled, the cycle in progress is abandoned between its committed steps.
    /// - Returns: the number of cycles started.
    /// Runs on ``StoreExecutor``'s threads: the store's calls and the inbox's file moves block.
    @discardableResult
    /// `stage` is told each stage's name as it starts (for timing).
    public func run(report: @Sendable (RunSummary) -> Void, stage: (@Sendable (String) -> Void)? = nil) async -> Int {
        await StoreExecutor.run { await runHere(report: report, stage: stage) }
    }

    private func runHere(report: @Sendable (RunSummary) -> Void, stage: (@Sendable (String) -> Void)?) async -> Int {
        var cycle = 0
        while !Task.isCancelled {
            cycle += 1
            let started = ContinuousClock.now
            do {
                var options = options
                if let inbox { options.inputs = try await inbox.settledFiles() }
                let taken = inbox == nil ? [] : options.inputs
                report(try await pipeline.run(options, afterIngest: { try inbox?.moveProcessed(taken) }, stage: stage))
            } catch is CancellationError {
                break
            } catch {
                logger.error("cycle failed; trying again next cycle", metadata: ["cycle": "\(cycle)", "error": "\(error)"])
            }
            if let cycles, cycle >= cycles { break }
            let wait = interval - (ContinuousClock.now - started)
            if let trigger {
                if await trigger.wait(upTo: wait) { logger.info("cycle triggered", metadata: ["after": "\(cycle)"]) }
            } else if wait > .zero {
                try? await Task.sleep(for: wait)
            }
        }
        return cycle
    }
}
