// Why: in the image, READ-LINE/READ on *standard-input* take the console input after the
// running form (KernelConsole.Refill), and the REPL goes on afterwards; at end of input
// they answer end of file instead of hanging.
using Xunit;

namespace Image.Tests;

public class ConsoleReadTests
{
    [Fact]
    public void Read_line_and_read_in_the_image_take_the_next_input()
    {
        var r = KernelImage.Run("(list (read-line) (read) (read-char))\nhello world\n(a b)x\n(+ 1 2)\n(read-line nil nil :eof)\n",
            image: KernelImage.ReplPath());
        Assert.False(r.TimedOut);
        Assert.Contains("(\"hello world\" (A B) #\\x)", r.Stdout);
        Assert.Contains("\n3\n", r.Stdout);
        Assert.Contains(":EOF", r.Stdout);
        Assert.DoesNotContain("unbound", r.Stdout);
        Assert.Equal(0, r.ExitCode);
    }
}
