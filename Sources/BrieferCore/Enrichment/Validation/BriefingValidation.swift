/// What the model returned for one request.
public struct ModelAnswer: Sendable, Equatable {
    /// The message content, as sent.
    public var content: String?
    /// `stop`, `length`, `content_filter`, … (or nil when the server sent none).
    public var finishReason: String?
    /// The message's `refusal`, for servers that send one.
    public var refusal: String?

    public init(content: String?, finishReason: String? = nil, refusal: String? = nil) {
        self.content = content; self.finishReason = finishReason; self.refusal = refusal
    }
}

/// The verdict on one answer: every rule it breaks, and the briefing when its shape was right.
public struct BriefingValidation: Sendable, Equatable {
    /// Set when the answer is a JSON object with the four keys as strings (even with extra keys, and
    /// even when other rules fail); nil for a refusal, a truncated answer, or a wrong shape.
    public var briefing: Briefing?
    /// One per failure, in the order found: shape, then each field's rules, then the whole briefing's.
    public var errors: [BriefingError]

    public init(briefing: Briefing?, errors: [BriefingError]) {
        self.briefing = briefing; self.errors = errors
    }

    public var isValid: Bool { errors.isEmpty }

    /// The codes of ``errors``, sorted and unique.
    public var codes: [BriefingErrorCode] { Set(errors.map(\.code)).sorted() }
}
