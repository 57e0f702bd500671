import Glibc
import PluginAPI

/// The C type of every plugin function that takes a `pp_call`.
typealias PluginFunction = @convention(c) (UnsafePointer<pp_call>?) -> Int32

/// What one plugin function returned.
struct PluginCallResult {
    /// `PP_OK`, `PP_SKIPPED`, `PP_FAILED`, ...
    var status: Int32
    var output: [UInt8]
    /// The plugin's own one-line reason, when it wrote one.
    var error: String
    /// True when the plugin wrote more than the output cap allows.
    var outputOverflowed: Bool
}

/// Calls one plugin function with borrowed config and input and host-owned sinks.
enum PluginInvocation {
    /// Output cap per call.
    static let outputLimit = 256 << 20
    /// Error text cap per call.
    static let errorLimit = 64 << 10

    static func call(_ function: PluginFunction, config: [UInt8], input: [UInt8], services: HostServices) -> PluginCallResult {
        let output = ByteSink(limit: outputLimit)
        let error = ByteSink(limit: errorLimit)
        let status = config.withUnsafeBytes { configBytes in
            input.withUnsafeBytes { inputBytes in
                output.withCSink { outputSink in
                    error.withCSink { errorSink in
                        services.withCHost { host in
                            var call = pp_call(
                                struct_size: UInt32(MemoryLayout<pp_call>.size),
                                host: host,
                                config: pp_bytes(configBytes),
                                input: pp_bytes(inputBytes),
                                output: outputSink,
                                error: errorSink)
                            return function(&call)
                        }
                    }
                }
            }
        }
        return PluginCallResult(status: status, output: output.bytes, error: error.text, outputOverflowed: output.overflowed)
    }
}

extension pp_bytes {
    init(_ buffer: UnsafeRawBufferPointer) {
        self.init(data: buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), size: UInt64(buffer.count))
    }
}
