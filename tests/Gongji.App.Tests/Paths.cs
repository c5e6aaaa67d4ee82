namespace Gongji.App.Tests;

internal static class Paths
{
    /// <summary>The repository root: the folder holding Gongji.slnx.</summary>
    public static string Repo
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Gongji.slnx")))
            {
                dir = dir.Parent;
            }
            return dir?.FullName ?? throw new InvalidOperationException("cannot find the repository root (Gongji.slnx)");
        }
    }

    /// <summary>../shared/cases beside the repository, where it exists (CI has it).</summary>
    public static string? SharedCases => Directory.Exists(Path.Combine(Repo, "..", "shared", "cases")) ? Path.GetFullPath(Path.Combine(Repo, "..", "shared", "cases")) : null;

    public static string ProjectCases => Path.Combine(Repo, "tests", "cases");
}
