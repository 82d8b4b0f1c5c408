import CFuzzer
import Glibc

/// Runs libFuzzer with the process's arguments (`-runs=N`, corpus directories, …) on one
/// target function, and exits with libFuzzer's status.
public enum FuzzDriver {
    public static func run(_ target: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Never {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, target))
    }
}
