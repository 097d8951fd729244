// Why: ENSURE-DIRECTORIES-EXIST creates the missing directories (hosted: Directory.
// CreateDirectory through IPlatform.DirCreate) and answers CLHS's two values; where the
// platform has no file system (the Xen file store, flat) it creates nothing and signals
// nothing.
using Xunit;

namespace LispVm.Tests.Eval;

public class EnsureDirectoriesTests
{
    [Fact]
    public void Creates_missing_directories_and_says_so()
    {
        string root = Path.Combine(Path.GetTempPath(), "lispvm-edx-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var h = new EvalHost();
            string file = root + "/a/b/file.txt";
            Assert.Equal($"(\"{file}\" T)", h.Eval($"(multiple-value-list (ensure-directories-exist \"{file}\"))"));
            Assert.True(Directory.Exists(root + "/a/b"));
            Assert.Equal($"(\"{file}\" NIL)", h.Eval($"(multiple-value-list (ensure-directories-exist \"{file}\"))"));
            Assert.Equal($"(#P\"{root}/c/\" T)", h.Eval($"(multiple-value-list (ensure-directories-exist #p\"{root}/c/\"))"));
            Assert.True(Directory.Exists(root + "/c"));
            File.WriteAllText(root + "/a/f", "x");
            Assert.Equal(":FILE-ERROR", h.Eval($"(handler-case (ensure-directories-exist \"{root}/a/f/g/h\") (file-error () :file-error))"));
            Assert.Equal(":FILE-ERROR", h.Eval($"(handler-case (ensure-directories-exist \"{root}/*/h\") (file-error () :file-error))"));
        }
        finally { if (Directory.Exists(root)) Directory.Delete(root, true); }
    }

    [Fact]
    public void A_relative_pathspec_is_merged_with_the_defaults_once()
    {
        string root = Path.Combine(Path.GetTempPath(), "lispvm-edx-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(root + "/base");
            using var h = new EvalHost();
            Assert.Equal("(\"scratch/x/foo.txt\" T)", h.Eval(
                $"(let ((*default-pathname-defaults* (pathname \"{root}/base/\"))) (multiple-value-list (ensure-directories-exist \"scratch/x/foo.txt\")))"));
            Assert.True(Directory.Exists(root + "/base/scratch/x"));
            Assert.False(Directory.Exists(root + "/base/base"));
        }
        finally { if (Directory.Exists(root)) Directory.Delete(root, true); }
    }

    [Fact]
    public void Without_a_file_system_directories_are_implicit()
    {
        using var h = new EvalHost();
        h.Host.Platform.NoFileSystem = true;
        Assert.Equal("(\"/no/such/dir/x.lisp\" NIL)", h.Eval("(multiple-value-list (ensure-directories-exist \"/no/such/dir/x.lisp\"))"));
        Assert.Equal("\"t\"\nT", h.Eval("(progn (with-open-file (s \"/no/such/dir/x.lisp\" :direction :output) (write-string \"t\" s)) (with-open-file (s \"/no/such/dir/x.lisp\") (read-line s)))"));
    }
}
