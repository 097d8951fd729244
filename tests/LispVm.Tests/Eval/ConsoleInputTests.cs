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

    // Issue 14: a 200,000-character line arrives in pieces (as the console hands it over); the
    // string is over the reader's limit. The error must skip the rest of that line: before,
    // the pieces still to come were read as new forms and its closing '"' opened a string
    // that swallowed every form after it (the REPL then looked dead on the Xen console).
    [Theory]
    [InlineData(8192)]
    [InlineData(512)]
    public void A_read_error_in_a_long_line_fed_in_pieces_skips_that_line_only(int piece)
    {
        using var h = new EvalHost();
        var input = new System.Text.StringBuilder("(length \"" + new string('a', 200000) + "\")\n");
        for (int i = 0; i < 8; i++) input.Append($"(+ 40 {i})\n");
        string[] lines = h.FeedInPieces(input.ToString(), piece).Split('\n');
        Assert.Equal(9, lines.Length);
        Assert.Equal(";; Error: string too long (more than 65536 characters)", lines[0].Trim());
        for (int i = 0; i < 8; i++) Assert.Equal((40 + i).ToString(), lines[1 + i].Trim());
        // A short line with an error still skips exactly its own rest.
        Assert.Equal("3", h.FeedInPieces("#<foo> (+ 1 1)\n(+ 1 2)\n", 4).Split('\n')[^1].Trim());
    }
}
