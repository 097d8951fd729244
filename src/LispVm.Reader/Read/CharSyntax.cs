// Why: the standard readtable's character classes and the named characters (#\Space ...)
// in one table, shared by the reader and the printer so they always agree.
namespace LispVm.Reader
{
    public static class CharSyntax
    {
        public static bool IsWhitespace(int c) => c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0B;

        /// <summary>Characters that end a token: whitespace and terminating macro characters.</summary>
        public static bool IsTerminator(int c) =>
            c < 0 || IsWhitespace(c) || c == '(' || c == ')' || c == '\'' || c == ';' || c == '"' || c == '`' || c == ',';

        public static int Upcase(int c)
        {
            if (c >= 'a' && c <= 'z') return c - 32;
            if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 32;
            return c;
        }

        public static int Downcase(int c)
        {
            if (c >= 'A' && c <= 'Z') return c + 32;
            if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
            return c;
        }

        public static bool IsLowerCase(int c) => Upcase(c) != c;

        // Names are matched case-insensitively; the first name of a code is the printed one.
        public static readonly string[] Names =
        {
            "Space", "Newline", "Tab", "Return", "Backspace", "Rubout", "Nul", "Page",
            "Linefeed", "Escape", "Null", "Esc", "Bell", "Delete",
        };
        public static readonly int[] Codes = { 32, 10, 9, 13, 8, 127, 0, 12, 10, 27, 0, 27, 7, 127 };

        /// <summary>Printed name for a character code, or null if it prints as itself.</summary>
        public static string NameOf(int code)
        {
            switch (code)
            {
                case 32: return "Space";
                case 10: return "Newline";
                case 9: return "Tab";
                case 13: return "Return";
                case 8: return "Backspace";
                case 127: return "Rubout";
                case 0: return "Nul";
                case 12: return "Page";
                case 27: return "Escape";
                case 7: return "Bell";
                default: return null;
            }
        }
    }
}
