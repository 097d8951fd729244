// Why: 10,000-digit integers through the whole path — printer (write-to-string, format ~D,
// princ), reader (read-from-string, a typed literal) — against System.Numerics.BigInteger:
// the divide-and-conquer decimal conversion and the reader's token limit (it was 4096
// characters, so a printed 10,000-digit number did not read back).
using System.Numerics;
using Xunit;

namespace LispVm.Tests.Eval;

public class BignumTextTests
{
    [Fact]
    public void TenThousandDigitIntegersPrintAndReadBack()
    {
        using var h = new EvalHost();
        BigInteger x = BigInteger.Pow(10, 9999) + BigInteger.Pow(7, 11000) + 12345;
        Assert.Equal("X", h.Eval("(defparameter x (+ (expt 10 9999) (expt 7 11000) 12345))"));
        Assert.Equal(x.ToString(), h.Eval("(princ-to-string x)").Trim('"'));
        Assert.Equal("-" + x, h.Eval("(format nil \"~D\" (- x))").Trim('"'));
        Assert.Equal("(T T T)", h.Eval("(list (= x (read-from-string (write-to-string x)))"
            + " (= (- x) (read-from-string (format nil \"~D\" (- x))))"
            + " (= (* x x) (read-from-string (prin1-to-string (* x x)))))"));
        // a typed 10,000-digit literal and its square, checked digit for digit
        BigInteger y = BigInteger.Pow(3, 20959) + 1;   // 10,000 digits
        Assert.Equal(10000, y.ToString().Length);
        Assert.Equal((y * y).ToString(), h.Eval("(princ-to-string (let ((y " + y + ")) (* y y)))").Trim('"'));
        Assert.Equal("T", h.Eval("(= (isqrt (* x x)) x)"));
    }
}
