using Gongji.Conformance;

namespace Gongji.Cli;

/// <summary>The gongji command: a table of contents of what Gongji does from a terminal.</summary>
internal static class Commands
{
    public static async Task<int> RunAsync(string[] args)
    {
        await Task.Yield();
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            PrintUsage();
            return args.Length == 0 ? 2 : 0;
        }
        return args[0] switch
        {
            "cases" => RunCases(args[1..]),
            _ => Unknown(args[0]),
        };
    }

    private static int Unknown(string command)
    {
        Console.Error.WriteLine($"gongji: unknown command '{command}'");
        PrintUsage();
        return 2;
    }

    private static void PrintUsage() => Console.WriteLine("""
        gongji — 因病致贫返贫防范 (Gongji)

          gongji cases PATH...                  run conformance cases (.yaml files or folders)
        """);

    private static int RunCases(string[] paths)
    {
        if (paths.Length == 0)
        {
            Console.Error.WriteLine("gongji cases: give one or more .yaml files or folders");
            return 2;
        }
        int passed = 0, failed = 0;
        foreach (var file in CaseRunner.FindCaseFiles(paths))
        {
            var outcome = CaseRunner.Run(file);
            if (outcome.Passed)
            {
                passed++;
                continue;
            }
            failed++;
            Console.WriteLine($"FAIL {outcome.Path}: {outcome.Name}");
            foreach (var d in outcome.Differences)
            {
                Console.WriteLine($"  {d}");
            }
        }
        Console.WriteLine($"{passed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }
}
