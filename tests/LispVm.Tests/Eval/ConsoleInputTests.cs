// *standard-input* at the REPL is the REPL's own input after the current form: (read-line)
// takes the next line typed, READ the next form, and the REPL goes on after them.
using Xunit;

namespace LispVm.Tests.Eval;

public class ConsoleInputTests
{
    [Fact]
    public void Read_line_and_read_take_the_input_after_the_form()
    {
        using var h = new EvalHost();
        Assert.Equal("(\"hello world\" (A B) #\\x)\n3", h.Eval("(list (read-line) (read) (read-char))\nhello world\n(a b)x\n(+ 1 2)"));
    }

    [Fact]
    public void Reading_past_the_input_is_end_of_file_not_a_hang()
    {
        using var h = new EvalHost();
        Assert.Equal(":EOF\nT", h.Eval("(read-line nil nil :eof)"));
        Assert.Contains(";; Error: ", h.Eval("(read)"));
        Assert.Equal("3", h.Eval("(+ 1 2)"));
    }

    [Fact]
    public void A_token_split_across_feeds_is_one_token()
    {
        using var h = new EvalHost();
        h.Eval("(defvar *foo-bar* 42)");
        h.Host.FeedString("*foo-");
        Assert.Equal("42", h.Eval("bar*"));
        h.Host.FeedString("12");
        Assert.Equal("12345", h.Eval("345"));
    }
}
