import BrieferCore

/// One account's exchange with the model (SPEC §5): the system and user messages, then for each
/// answer that fails validation the answer itself and a repair message listing its errors. Enrichment
/// and the regression run (SPEC §7) both go through it, so a case is asked exactly what an account is.
public struct BriefingConversation: Sendable {
    public let template: PromptTemplate
    public let input: PromptInput
    let settings: BrieferConfiguration.Enrichment
    public private(set) var messages: [ChatRequest.Message]

    public init(template: PromptTemplate, input: PromptInput, prompt: RenderedPrompt, settings: BrieferConfiguration.Enrichment) {
        self.template = template; self.input = input; self.settings = settings
        messages = [ChatRequest.Message(role: "system", content: prompt.system), ChatRequest.Message(role: "user", content: prompt.user)]
    }

    /// The next request: the conversation so far, with the configured parameters.
    public func request(model: String) -> ChatRequest {
        ChatRequest(
            model: model, messages: messages, temperature: settings.temperature, maxTokens: settings.maxTokens,
            responseFormat: settings.responseFormat, minFieldChars: settings.briefing.minFieldChars,
            maxFieldChars: settings.briefing.maxFieldChars)
    }

    /// Whether another attempt fits the per-account token budget, `spent` tokens being used already.
    public func nextAttemptFits(spent: Int) -> Bool {
        settings.tokenBudgetPerAccount <= 0
            || spent + ChatRequest.estimatedTokens(messages: messages, maxTokens: settings.maxTokens) <= settings.tokenBudgetPerAccount
    }

    /// Validates `answer`; when it fails, the answer and a repair message listing its errors join the
    /// conversation, so the next request asks for a corrected briefing.
    public mutating func take(_ answer: ModelAnswer, validator: BriefingValidator) throws -> BriefingValidation {
        let validation = validator.validate(answer, input: input)
        if !validation.isValid {
            messages.append(.init(role: "assistant", content: answer.content ?? ""))
            messages.append(
                .init(role: "user", content: try template.renderRepair(input, errors: validation.errors, rules: settings.briefing)))
        }
        return validation
    }
}
