import ArgumentParser
import Host

/// The `posternproxy` command.
@main
struct PosternProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "posternproxy",
        abstract: "PosternProxy: reverse-proxy manager for many servers.",
        version: HostIdentity.productVersion,
        subcommands: [ServeCommand.self, PluginsCommand.self, PipelineCommand.self, NPMImportCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
