import Testing
@testable import BrieferCore

struct JSONParserTests {
    @Test func objectKeepsMemberOrderAndNumbersAsWritten() throws {
        let value = try JSONParser.parse(#" { "b" : 1.50 , "a" : [true, false, null, -0.5e3], "c": "x" } "#)
        let expected: JSONValue = .object([
            (key: "b", value: .number("1.50")),
            (key: "a", value: .array([.bool(true), .bool(false), .null, .number("-0.5e3")])),
            (key: "c", value: .string("x")),
        ])
        #expect(value == expected)
    }

    @Test func stringEscapesAndSurrogatePairs() throws {
        let value = try JSONParser.parse(#""caf\u00e9 \"q\" \\ \/ \n\t\b\f\r \ud83d\ude00 é""#)
        #expect(value == .string("café \"q\" \\ / \n\t\u{08}\u{0C}\r 😀 é"))
    }

    @Test(arguments: [
        "",  // nothing
        "{",  // unterminated object
        #"{"a":1,}"#,  // trailing comma
        "[1 2]",  // missing comma
        "01",  // leading zero
        "1.",  // fraction without digits
        "1e",  // exponent without digits
        "-",  // sign alone
        ".5",  // no integer part
        "tru",  // truncated literal
        "{'a':1}",  // single quotes
        #"{"a":1} x"#,  // trailing characters
        #""abc"#,  // unterminated string
        "\"a\u{01}b\"",  // raw control character in a string
        #""\x""#,  // invalid escape
        #""\ud800""#,  // lone high surrogate
        #""\udc00""#,  // lone low surrogate
        #""\ud800\u0041""#,  // high surrogate followed by a non-low surrogate
        #""\u12G4""#,  // bad hex digit
        "{1:2}",  // member name not a string
    ])
    func rejectsInvalidDocuments(_ text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(text) }
    }

    @Test func failureNamesTheByteOffset() {
        // {"a":x}  — the 'x' is byte 5 (0-based).
        #expect(throws: JSONParser.Failure(offset: 5, message: "unexpected character")) { try JSONParser.parse(#"{"a":x}"#) }
    }

    @Test func nestingLimitIs64() throws {
        // maxDepth 64: 64 nested arrays parse, 65 are refused.
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        _ = try JSONParser.parse(ok)
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(deep) }
    }

    @Test func duplicateKeysLastOneWins() throws {
        let value = try JSONParser.parse(#"{"a":1,"a":2}"#)
        #expect(value["a"] == .number("2"))
        #expect(value["missing"] == nil)
        #expect(JSONValue.string("x")["a"] == nil)
    }

    @Test func canonicalTextSortsKeysDropsWhitespaceAndKeepsNumbers() throws {
        let value = try JSONParser.parse(#"{ "b": 1, "a": {"d": 2.0, "c": "x\ny\u0001"}, "b": 3, "arr": [ 1 , {"z":1,"y":2} ] }"#)
        // keys sorted bytewise: "a" < "arr" < "b"; the duplicate "b" keeps its last value (3).
        #expect(value.canonicalText == #"{"a":{"c":"x\ny\u0001","d":2.0},"arr":[1,{"y":2,"z":1}],"b":3}"#)
    }

    @Test func canonicalTextIgnoresKeyOrder() throws {
        let a = try JSONParser.parse(#"{"userId":"u1","event":"x","properties":{"p":1,"q":[2,3]}}"#)
        let b = try JSONParser.parse(#"{"properties":{"q":[2,3],"p":1},"event":"x","userId":"u1"}"#)
        #expect(a != b)  // document order differs
        #expect(a.canonicalText == b.canonicalText)
    }

    @Test(arguments: [
        (JSONValue.number("42"), Int64?(42)),
        (.number("-7"), -7),
        (.number("4.0"), 4),
        (.number("1e3"), 1000),
        (.number("4.5"), nil),
        (.string(" 12 "), 12),
        (.string("12a"), nil),
        (.bool(true), nil),
        (.null, nil),
    ])
    func integerValue(_ value: JSONValue, _ expected: Int64?) {
        #expect(value.integerValue == expected)
    }

    @Test func parsesRawBytes() throws {
        let bytes: [UInt8] = Array(#"{"name":"Zoë"}"#.utf8)
        let value = try bytes.withUnsafeBufferPointer { try JSONParser.parse($0) }
        #expect(value["name"] == .string("Zoë"))
    }
}
