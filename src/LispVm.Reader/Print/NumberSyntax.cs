// Why: the printer must put |bars| around a symbol whose name would read back as a
// number; this is the reader's number grammar (integer in base, trailing-dot decimal,
// ratio, float with exponent marker) as a pure predicate over code points.
namespace LispVm.Reader
{
    public static class NumberSyntax
    {
        static bool Digit(int c, int radix)
        {
            int v = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'Z' ? c - 'A' + 10 : c >= 'a' && c <= 'z' ? c - 'a' + 10 : -1;
            return v >= 0 && v < radix;
        }

        static bool Dec(int c) => c >= '0' && c <= '9';

        public static bool Matches(int[] t, int n, int radix)
        {
            int i = 0;
            if (i < n && (t[i] == '+' || t[i] == '-')) i++;
            if (i >= n) return false;
            int j = i;
            while (j < n && Digit(t[j], radix)) j++;
            if (j == n) return true;
            if (j > i && j == n - 1 && t[j] == '.')
            {
                int k = i; while (k < j && Dec(t[k])) k++;
                if (k == j) return true;
            }
            if (j > i && t[j] == '/')
            {
                int k = j + 1; while (k < n && Digit(t[k], radix)) k++;
                return k == n && k > j + 1;
            }
            // float
            int a = i, digits = 0;
            while (a < n && Dec(t[a])) { a++; digits++; }
            bool dot = false; int frac = 0;
            if (a < n && t[a] == '.') { dot = true; a++; while (a < n && Dec(t[a])) { a++; frac++; digits++; } }
            if (digits == 0) return false;
            if (a == n) return dot && frac > 0;
            int m = t[a] >= 'a' && t[a] <= 'z' ? t[a] - 32 : t[a];
            if (m != 'E' && m != 'S' && m != 'F' && m != 'D' && m != 'L') return false;
            a++;
            if (a < n && (t[a] == '+' || t[a] == '-')) a++;
            if (a >= n) return false;
            while (a < n) { if (!Dec(t[a])) return false; a++; }
            return true;
        }
    }
}
