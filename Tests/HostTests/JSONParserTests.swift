import JSONCore
import Testing

/// The strict JSON parser that reads desired states, plans and journals: what it accepts, what
/// it refuses (hostile documents among them), and partial reading.
@Suite struct JSONParserTests {
    private func parse(_ text: String) throws(JSONReadError) -> JSON { try JSONParser.parse(Array(text.utf8)) }

    private func refusal(_ text: String) -> String? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error.problem
        }
    }

    @Test func valuesParseWithMembersInOrder() throws {
        let value = try parse(#" {"b": [1, -2, true, false, null], "a": {"x": "y"}, "c": 1e3, "d": 2.0} "#)
        #expect(value == .object([("b", [1, -2, true, false, .null]), ("a", ["x": "y"]), ("c", 1000), ("d", 2)]))
        #expect(try parse("[]") == .array([]))
        #expect(try parse("{}") == .object([]))
        #expect(try parse(String(Int.min)) == .int(Int.min))
    }

    @Test func stringEscapesAndUnicodeDecode() throws {
        #expect(try parse(#""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{8}\u{c}\n\r\t"))
        #expect(try parse(#""\u00e9\u20ac\ud83d\ude00 é""#) == .string("é€😀 é"))
    }

    @Test func serializedTextParsesBackToTheSameValue() throws {
        let value: JSON = ["text": "quote \" backslash \\ newline \n control \u{1} del \u{7f} {braces}", "list": [1, "two", ["three": .null]]]
        #expect(try JSONParser.parse(value.serialized()) == value)
    }

    @Test func serializedItemsWriteAsTheArrayTheyStandFor() throws {
        let items: [JSON] = ["quote \" and {braces}", ["input": "a.example", "outputs": ["127.0.0.1:80"]], [1, .null], [:]]
        let spliced: JSON = ["list": .serializedItems(items.map(JSONText.init)), "empty": .serializedItems([])]
        let plain: JSON = ["list": .array(items), "empty": []]
        #expect(spliced.serialized() == plain.serialized())
        #expect(try JSONParser.parse(spliced.serialized()) == plain)
        // Read as the array: equal to it, listed as its items, refused where a list is not.
        #expect(spliced == plain && spliced["list"]?.arrayValue == items)
        #expect(spliced != ["list": .array(Array(items.dropLast())), "empty": []])
        #expect(JSONText("x").value == "x")
        #expect(throws: JSONReadError.self) { try [String](json: .serializedItems([JSONText(1)])) }
        #expect(try [Int](json: .serializedItems([JSONText(1), JSONText(2)])) == [1, 2])
    }

    @Test func serializesCompactTextWithEscapesAndWholeNumbers() {
        let value: JSON = ["s": "a\"b\\c\n\r\t\u{1}\u{7f}é", "n": [0, 7, -12, .int(Int.max), .int(Int.min)], "b": [true, false, .null]]
        #expect(
            String(decoding: value.serialized(), as: UTF8.self)
                == #"{"s":"a\"b\\c\n\r\t\u0001\u007fé","n":[0,7,-12,9223372036854775807,-9223372036854775808],"b":[true,false,null]}"#)
        #expect(JSON.serializedObject([("a", 1)], raw: [("raw", Array("[1, 2]".utf8))]) == Array(#"{"a":1,"raw":[1, 2]}"#.utf8))
        #expect(JSON.serializedObject([], raw: [("raw", Array("{}".utf8))]) == Array(#"{"raw":{}}"#.utf8))
    }

    @Test func serializesDocumentsLargerThanTheWritersChunk() throws {
        let long = String(repeating: "x", count: 20_000)
        let items: [JSON] = (0..<5_000).map { .object([("i", .int($0)), ("s", .string("v\($0)"))]) }
        let value = JSON.array(items + [.string(long)])
        let text = value.serialized()
        #expect(try JSONParser.parse(text) == value)
        let itemBytes = (0..<5_000).map { (index: Int) -> Int in #"{"i":\#(index),"s":"v\#(index)"},"#.utf8.count }
        #expect(text.count == 1 + itemBytes.reduce(0, +) + long.count + 2 + 1)
    }

    @Test func oneMemberIsReadAndTheRestOnlyChecked() throws {
        let text = Array(#"{"config": {"big": [1, 2, {"x": "}"}]}, "tag": "t1", "gone": null}"#.utf8)
        #expect(try JSONObject.requiredMember("tag", of: text) as String == "t1")
        #expect(try JSONObject.member("gone", of: text) as String? == nil)
        #expect(try JSONObject.member("absent", of: text) as [JSON]? == nil)
        #expect(throws: JSONReadError.self) { try JSONObject.requiredMember("absent", of: text) as String }
        #expect(throws: JSONReadError.self) { try JSONObject.member("tag", of: text) as Int? }
        #expect(throws: JSONReadError.self) { try JSONObject.member("tag", of: Array(#"{"tag": "t1", "config": [1,}"#.utf8)) as String? }
    }

    @Test func fractionalNumbersAreKeptAndWholeOnesStayIntegers() throws {
        #expect(try JSONParser.parse(Array("0.5".utf8)) == .double(0.5))
        #expect(try JSONParser.parse(Array("-1.25e-3".utf8)) == .double(-0.00125))
        #expect(try JSONParser.parse(Array("2.0".utf8)) == .int(2))
        #expect(try JSONParser.parse(Array("1e3".utf8)) == .int(1000))
        #expect(try JSONParser.parse(Array("1e20".utf8)) == .double(1e20))
        for text in ["0.5", "-1.25e-3", "0.1", "1e+300", "123456.789"] {
            let value = try JSONParser.parse(Array(text.utf8))
            #expect(try JSONParser.parse(value.serialized()) == value, "\(text) → \(String(decoding: value.serialized(), as: UTF8.self))")
        }
        #expect(String(decoding: JSON.array([.double(0.5), .int(3)]).serialized(), as: UTF8.self) == "[0.5,3]")
    }

    @Test func malformedDocumentsAreRefusedWithWhereTheProblemIs() {
        #expect(refusal("") == "unexpected end of the document at byte 0")
        #expect(refusal(#"{"a": 1,}"#) == "expected a member name at byte 8")
        #expect(refusal("[1 2]") == "expected `,` or `]` in an array at byte 3")
        #expect(refusal(#"{"a" 1}"#) == "expected `:` after a member name at byte 5")
        #expect(refusal("[1] x") == "unexpected text after the JSON value at byte 4")
        #expect(refusal("tru") == "unexpected character at byte 0")
        #expect(refusal("01") == "numbers must not have leading zeros at byte 0")
        #expect(refusal("1e999") == "number out of range at byte 5")
        #expect(refusal("1.") == "expected a digit after `.` at byte 2")
        #expect(refusal("99999999999999999999") == "number out of range at byte 20")
        #expect(refusal("-") == "expected a digit at byte 1")
        #expect(refusal(#""abc"#) == "unterminated string at byte 4")
        #expect(refusal("\"a\u{1}b\"") == "control character in a string at byte 2")
        #expect(refusal(#""\x""#) == "unknown escape in a string at byte 3")
        #expect(refusal(#""\ud800""#) == "unpaired surrogate in a string at byte 7")
        #expect(refusal(#""\u12G4""#) == "expected four hex digits after \\u at byte 5")
        #expect(refusal("// comment\n1") == "unexpected character at byte 0")
    }

    @Test func invalidUTF8IsRefused() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0x5C, 0x6E, 0xED, 0xA0, 0x80, 0x22]] {
            #expect(throws: JSONReadError.self) { try JSONParser.parse(bytes) }
        }
    }

    @Test func nestingDeeperThanTheLimitIsRefusedWithoutExhaustingTheStack() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(refusal(deep) == "nested deeper than \(JSONParser.maximumDepth) levels at byte \(JSONParser.maximumDepth)")
        let limit = String(repeating: "[", count: JSONParser.maximumDepth) + String(repeating: "]", count: JSONParser.maximumDepth)
        #expect(refusal(limit) == nil)
    }

    @Test func partialReadingSkipsOrKeepsMembersAsText() throws {
        let text = Array(#"{"changes": ["a", "b"], "config": {"apps": {"x": ["]", "}\"", [1, {"y": null}]]}}, "tag": "t", "big": [[[]]]}"#.utf8)
        let (object, raw) = try JSONParser.parseObject(text, parsing: ["changes", "tag"], keepingRaw: ["config"])
        #expect(object == .object([("changes", ["a", "b"]), ("tag", "t")]))
        #expect(raw["config"].map { String(decoding: $0, as: UTF8.self) } == #"{"apps": {"x": ["]", "}\"", [1, {"y": null}]]}}"#)
        #expect(try JSONParser.parse(raw["config"]!)["apps"] != nil)
        let serialized = JSON.serializedObject([("tag", "t")], raw: [("config", raw["config"]!)])
        #expect(String(decoding: serialized, as: UTF8.self) == #"{"tag":"t","config":{"apps": {"x": ["]", "}\"", [1, {"y": null}]]}}}"#)
        for broken in [#"{"config": {"a": [1}"#, #"{"config": "open}"#, #"{"config": ]}"#, #"{"config": {"a": "\"#] {
            #expect(throws: JSONReadError.self) { try JSONParser.parseObject(Array(broken.utf8), keepingRaw: ["config"]) }
        }
    }

    @Test func aListsElementsAreLocatedWithoutBeingParsed() throws {
        let text = Array(#"{"l": [ {"a": [1, "]"]} , "x,]\"" ,[1,[2]],3, null ] }"#.utf8)
        let elements = try JSONParser.parseObject(text, locatingElementsOf: ["l"]).elements["l"]?.map { String(decoding: text[$0], as: UTF8.self) }
        #expect(elements == [#"{"a": [1, "]"]}"#, #""x,]\"""#, "[1,[2]]", "3", "null"])
        #expect(try JSONParser.parseObject(Array(#"{"l": [ ] }"#.utf8), locatingElementsOf: ["l"]).elements["l"] == [])
        for broken in ["[1 2]", "[1,]", "[1", "{}", "[1] x", "", "[\"open]"] {
            #expect(throws: JSONReadError.self, "\(broken)") {
                try JSONParser.parseObject(Array(#"{"l": \#(broken)}"#.utf8), locatingElementsOf: ["l"])
            }
        }
    }

    @Test func listsAreLocatedInTheSamePassThatReadsTheRest() throws {
        let text = Array(#"{"a": [{"x": "]"}, 2], "b": {"c": 1}, "d": null, "e": []}"#.utf8)
        let (object, lists, _) = try JSONParser.parseObject(text, locatingElementsOf: ["a", "d", "e", "absent"])
        #expect(object == .object([("b", ["c": 1])]))
        #expect(lists["a"]?.map { String(decoding: text[$0], as: UTF8.self) } == [#"{"x": "]"}"#, "2"])
        #expect(lists["d"] == [] && lists["e"] == [] && lists["absent"] == nil)
        for broken in [#"{"a": {"x": 1}}"#, #"{"a": [1 2]}"#, #"{"a": nul}"#, #"{"a": [1]"#] {
            #expect(throws: JSONReadError.self, "\(broken)") { try JSONParser.parseObject(Array(broken.utf8), locatingElementsOf: ["a"]) }
        }
    }

    private struct Site: JSONReadable {
        var ports: [Int]
        init(json: JSON) throws(JSONReadError) { ports = try JSONObject(json).required("ports") }
    }

    /// Why `text` does not read as a list of sites, or nil when it does.
    private func sitesProblem(_ text: String) -> String? {
        do {
            _ = try [Site](json: try parse(text))
            return nil
        } catch {
            return error.description
        }
    }

    @Test func typedReadingNamesThePathOfTheBadValue() {
        #expect(sitesProblem(#"[{"ports": [1]}, {"ports": [2, "3"]}]"#) == "[1].ports[1]: expected a number")
        #expect(sitesProblem(#"[{}]"#) == "[0].ports: missing")
        #expect(sitesProblem(#"[{"ports": null}]"#) == "[0].ports: expected a list, found null")
        #expect(sitesProblem(#"{"ports": []}"#) == "document: expected a list")
        #expect(sitesProblem(#"[{"ports": [1], "ports": [2]}]"#) == nil)
    }
}

/// Reading one member placed early in a large document, and stepping over strings quickly.
@Suite struct JSONLeadingMemberTests {
    @Test func theMemberIsReadAndWhatFollowsIsNot() throws {
        let plan = Array(#"{"changes": ["load"], "tag": "t1", "config": {"unterminated"#.utf8)
        #expect(try JSONParser.leadingMember("changes", of: plan) == ["load"])
        let tag: String? = try JSONObject.leadingMember("tag", of: plan)
        #expect(tag == "t1")
        #expect(throws: JSONReadError.self) { try JSONParser.leadingMember("absent", of: plan) }
        #expect(try JSONParser.leadingMember("absent", of: Array(#"{"a": 1, "b": [2, {"c": "}"}]}"#.utf8)) == nil)
        #expect(try JSONParser.leadingMember("a", of: Array("{}".utf8)) == nil)
        #expect(throws: JSONReadError.self) { try JSONParser.leadingMember("a", of: Array("[1]".utf8)) }
        let null: Int? = try JSONObject.leadingMember("a", of: Array(#"{"a": null}"#.utf8))
        #expect(null == nil)
        #expect(throws: JSONReadError.self) { let _: Int? = try JSONObject.leadingMember("a", of: Array(#"{"a": "x"}"#.utf8)) }
    }

    @Test func escapedQuotesAndBackslashesAreSteppedOverRight() throws {
        // Each value before `b` ends with backslashes and quotes in every arrangement.
        let text = #"{"a": ["\\", "\"", "x\\\"y", "\\\\", "\\\"\\"], "z": "\"}", "b": 7}"#
        #expect(try JSONParser.leadingMember("b", of: Array(text.utf8)) == 7)
        let (object, raw) = try JSONParser.parseObject(Array(text.utf8), parsing: ["b"], keepingRaw: ["a"])
        #expect(object["b"] == 7)
        #expect(raw["a"].map { String(decoding: $0, as: UTF8.self) } == #"["\\", "\"", "x\\\"y", "\\\\", "\\\"\\"]"#)
        #expect(throws: JSONReadError.self) { try JSONParser.parseObject(Array(#"{"a": "\\\", "b": 1}"#.utf8), parsing: ["b"]) }
    }
}

/// Locating the elements of a stretch of a list, as a reader that patches a kept state does.
@Suite struct JSONStretchTests {
    private func located(_ text: String, _ range: Range<Int>, after: Bool, before: Bool) -> [String]? {
        let bytes = Array(text.utf8)
        return JSONParser.elementRanges(in: bytes, range, afterElement: after, beforeElement: before)?.map {
            String(decoding: bytes[$0], as: UTF8.self)
        }
    }

    @Test func aStretchIsCommasAndWholeElements() {
        let text = #"[1, {"a": "],"}, [2] ,3]"#
        // Between `1` and `3`, both kept: a comma first and last.
        #expect(located(text, 2..<22, after: true, before: true) == [#"{"a": "],"}"#, "[2]"])
        // The whole interior.
        #expect(located(text, 1..<23, after: false, before: false) == ["1", #"{"a": "],"}"#, "[2]", "3"])
        // From the start up to `3`, kept: must end with its comma.
        #expect(located(text, 1..<22, after: false, before: true) == ["1", #"{"a": "],"}"#, "[2]"])
        // After `1`, to the end.
        #expect(located(text, 2..<23, after: true, before: false) == [#"{"a": "],"}"#, "[2]", "3"])
        // Nothing between two kept elements but their comma; nothing in an empty list.
        #expect(located("[1, 2]", 2..<4, after: true, before: true) == [])
        #expect(located("[ ]", 1..<2, after: false, before: false) == [])
    }

    @Test func anythingElseIsNotAStretch() {
        let text = #"[1, {"a": "],"}, [2] ,3]"#
        #expect(located(text, 2..<21, after: true, before: true) == nil)  // no comma before `3`
        #expect(located(text, 3..<22, after: true, before: true) == nil)  // no comma after `1`
        #expect(located(text, 1..<12, after: false, before: false) == nil)  // an element cut short
        #expect(located("[1,,2]", 2..<4, after: true, before: true) == nil)
        #expect(located("[1, 2]", 2..<4, after: true, before: false) == nil)  // a trailing comma
    }
}
