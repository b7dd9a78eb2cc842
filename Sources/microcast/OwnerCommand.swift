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
        /// Tries on a terminal before giving up.
        static let tries = 3

        func run() async throws {
            if ifUnset, try await data.withStore({ try await $0.passphraseHash() }) != nil { return }
            let passphrase: String
            if isatty(STDIN_FILENO) == 1 {
                passphrase = try Self.askUntilAccepted()
            } else {
                guard let line = readLine(strippingNewline: true) else { throw PassphraseRefused("no passphrase on standard input") }
                if let problem = Self.problem(with: line) { throw PassphraseRefused(problem) }
                passphrase = line
            }
            let hash = try PassphraseHasher.hash(passphrase)
            try await data.withStore { try await $0.setPassphraseHash(hash, now: Date()) }
            FileHandle.standardError.write(Data("owner passphrase set; every signed-in browser is signed out\n".utf8))
        }

        /// What is wrong with a new passphrase, or nil if it will do.
        static func problem(with passphrase: String) -> String? {
            passphrase.count < minimumLength
                ? "that passphrase is \(passphrase.count) characters long; use at least \(minimumLength)" : nil
        }

        /// Asks on the terminal, saying what was wrong, up to `tries` times: a
        /// mistyped passphrase during set-up is asked again, not a usage message.
        static func askUntilAccepted() throws -> String {
            var last = ""
            for attempt in 1...tries {
                let first = try ask("New owner passphrase (at least \(minimumLength) characters): ")
                if let problem = problem(with: first) {
                    last = problem
                } else if try ask("Again: ") != first {
                    last = "the two passphrases differ"
                } else {
                    return first
                }
                let left = tries - attempt
                FileHandle.standardError.write(Data("\(last)\(left > 0 ? "; try again (\(left) left)" : "")\n".utf8))
            }
            throw PassphraseRefused("no passphrase set after \(tries) tries: \(last)")
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
            guard let line = readLine(strippingNewline: true) else { throw PassphraseRefused("no passphrase given") }
            return line
        }
    }
}

/// A passphrase that cannot be used: said plainly, without the usage text
/// (ArgumentParser prints that only for a `ValidationError`).
struct PassphraseRefused: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
