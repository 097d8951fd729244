// Why: a file opened through a symbolic link must read as its target (cl-bench's
// slurp-lines opens /usr/share/dict/words, a link): the hosted build once took the size
// from the link itself (the length of the target's path) and read only that many bytes.
using Xunit;

namespace LispVm.Tests.Eval;

public class SymlinkFileTests
{
    [Fact]
    public void A_file_read_through_a_link_reads_the_whole_target()
    {
        string root = Path.Combine(Path.GetTempPath(), "lispvm-link-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            string target = root + "/words", link = root + "/w";
            File.WriteAllText(target, string.Concat(Enumerable.Range(0, 1000).Select(i => "line" + i + "\n")));
            File.CreateSymbolicLink(link, target);
            using var h = new EvalHost();
            Assert.Equal("1000", h.Eval($"(with-open-file (s \"{link}\") (loop for l = (read-line s nil) while l count t))"));
            Assert.Equal(new FileInfo(target).Length.ToString(), h.Eval($"(with-open-file (s \"{link}\") (file-length s))"));
        }
        finally { Directory.Delete(root, true); }
    }
}
