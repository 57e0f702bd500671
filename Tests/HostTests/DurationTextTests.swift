import Host
import Testing

@Suite struct DurationTextTests {
    @Test(arguments: [
        (Duration.zero, "0.0"), (.microseconds(49), "0.0"), (.microseconds(50), "0.1"), (.microseconds(12_345), "12.3"),
        (.microseconds(999_960), "1000.0"), (.seconds(3), "3000.0"),
    ])
    func millisecondsWithOneDecimal(_ duration: Duration, _ text: String) {
        #expect(duration.millisecondsText == text)
    }
}
