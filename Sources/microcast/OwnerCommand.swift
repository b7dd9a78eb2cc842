import ArgumentParser
import Foundation
import Glibc
import MicrocastCore

struct OwnerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "owner",
        abstract: "The site owner, who signs in to approve Micropub clients.",
        subcommands: [Password.self]
    )

    struct Password: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the owner's passphrase: read from standard input, or asked twice on a terminal."
        )

        @OptionGroup var data: DataOptions
        @Flag(help: "Do nothing if a passphrase is already set (for set-up scripts).")
        var ifUnset = false

        static let minimumLength = 10

        func run() async throws {
            if ifUnset, try await data.withStore({ try await $0.passphraseHash() }) != nil { return }
            let passphrase: String
            if isatty(STDIN_FILENO) == 1 {
                let first = try Self.ask("New owner passphrase: ")
                guard try Self.ask("Again: ") == first else { throw ValidationError("the two passphrases differ") }
                passphrase = first
            } else {
                guard let line = readLine(strippingNewline: true) else { throw ValidationError("no passphrase on standard input") }
                passphrase = line
            }
            guard passphrase.count >= Self.minimumLength else {
                throw ValidationError("use at least \(Self.minimumLength) characters")
            }
            let hash = try PassphraseHasher.hash(passphrase)
            try await data.withStore { try await $0.setPassphraseHash(hash, now: Date()) }
            FileHandle.standardError.write(Data("owner passphrase set; every signed-in browser is signed out\n".utf8))
        }

        /// Reads a line from the terminal without echoing it.
        static func ask(_ prompt: String) throws -> String {
            FileHandle.standardError.write(Data(prompt.utf8))
            var settings = termios()
            tcgetattr(STDIN_FILENO, &settings)
            let saved = settings
            settings.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSANOW, &settings)
            defer {
                var restore = saved
                tcsetattr(STDIN_FILENO, TCSANOW, &restore)
                FileHandle.standardError.write(Data("\n".utf8))
            }
            guard let line = readLine(strippingNewline: true) else { throw ValidationError("no passphrase given") }
            return line
        }
    }
}
