import Testing

@testable import BrieferCore

/// RFC 2202 (HMAC-SHA1) and RFC 4231 (HMAC-SHA256) test cases, and FIPS 180 digests.
struct HMACTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
    static func hex(_ text: String) -> [UInt8] {
        stride(from: 0, to: text.count, by: 2).map { i in
            UInt8(text[text.index(text.startIndex, offsetBy: i)..<text.index(text.startIndex, offsetBy: i + 2)], radix: 16)!
        }
    }

    @Test func digests() {
        #expect(HMAC.hex(HMAC.Hash.sha1.digest(Self.bytes("abc"))) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(HMAC.hex(HMAC.Hash.sha1.digest([])) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(
            HMAC.hex(HMAC.Hash.sha256.digest(Self.bytes("abc"))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = Self.bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
        #expect(HMAC.hex(HMAC.Hash.sha1.digest(long)) == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        #expect(HMAC.hex(HMAC.Hash.sha256.digest(long)) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func rfc2202() {
        #expect(
            HMAC.hex(HMAC.code(.sha1, key: [UInt8](repeating: 0x0b, count: 20), message: Self.bytes("Hi There")))
                == "b617318655057264e28bc0b6fb378c8ef146be00")
        #expect(
            HMAC.hex(HMAC.code(.sha1, key: Self.bytes("Jefe"), message: Self.bytes("what do ya want for nothing?")))
                == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
        // A key longer than the block is hashed first.
        #expect(
            HMAC.hex(
                HMAC.code(
                    .sha1, key: [UInt8](repeating: 0xaa, count: 80),
                    message: Self.bytes("Test Using Larger Than Block-Size Key - Hash Key First")))
                == "aa4ae5e15272d00e95705637ce8a3b55ed402112")
    }

    @Test func rfc4231() {
        #expect(
            HMAC.hex(HMAC.code(.sha256, key: [UInt8](repeating: 0x0b, count: 20), message: Self.bytes("Hi There")))
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(
            HMAC.hex(HMAC.code(.sha256, key: Self.bytes("Jefe"), message: Self.bytes("what do ya want for nothing?")))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(
            HMAC.hex(
                HMAC.code(
                    .sha256, key: [UInt8](repeating: 0xaa, count: 131),
                    message: Self.bytes("Test Using Larger Than Block-Size Key - Hash Key First")))
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test func constantTimeEquality() {
        #expect(HMAC.constantTimeEqual(Self.hex("00ff"), Self.hex("00ff")))
        #expect(!HMAC.constantTimeEqual(Self.hex("00ff"), Self.hex("00fe")) && !HMAC.constantTimeEqual([1], [1, 0]))
        #expect(!HMAC.constantTimeEqual([], [0]))
    }
}
