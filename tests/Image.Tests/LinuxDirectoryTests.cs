// Why: in the image run as a Linux process, ENSURE-DIRECTORIES-EXIST creates directories
// with mkdir(2) (LinuxFiles.MakeDir behind IPlatform.DirCreate) and reports whether it did.
using Xunit;

namespace Image.Tests;

public class LinuxDirectoryTests
{
    [Fact]
    public void Ensure_directories_exist_makes_them_with_mkdir()
    {
        string root = Path.Combine(Path.GetTempPath(), "lispvm-edx-" + Guid.NewGuid().ToString("N"));
        try
        {
            string file = root + "/a/b/file.txt";
            var r = KernelImage.Run($"(multiple-value-list (ensure-directories-exist \"{file}\"))\n" +
                                    $"(multiple-value-list (ensure-directories-exist \"{file}\"))\n" +
                                    $"(with-open-file (s \"{file}\" :direction :output) (write-string \"ok\" s))\n" +
                                    $"(handler-case (ensure-directories-exist \"{file}/x/y\") (file-error () :file-error))\n",
                                    image: KernelImage.ReplPath());
            Assert.False(r.TimedOut);
            Assert.Contains($"(\"{file}\" T)", r.Stdout);
            Assert.Contains($"(\"{file}\" NIL)", r.Stdout);
            Assert.Contains(":FILE-ERROR", r.Stdout);
            Assert.True(Directory.Exists(root + "/a/b"));
            Assert.Equal("ok", File.ReadAllText(file));
        }
        finally { if (Directory.Exists(root)) Directory.Delete(root, true); }
    }
}
