// Heap images: a VM saved after boot and loaded into a fresh VM (another heap, another base
// address) answers the golden transcripts as a booted one does, also under GC stress; a
// damaged or foreign image is refused with a reason and the VM boots normally instead.
using System.Text;
using LispVm.Eval;
using LispVm.Gc;
using LispVm.Hosted;
using LispVm.Tests.Transcripts;
using Xunit;

namespace LispVm.Tests.Image;

public class HeapImageTests
{
    static byte[] SavedImage()
    {
        var a = new LispHost(new HeapOptions { LimitBytes = 256UL << 20 }, false, (b, n) => { });
        a.FeedString("(defun image-fn (x) (list :from-image x))\n(defvar *image-var* (make-hash-table :test 'eq))\n(setf (gethash 'k *image-var*) 42)\n");
        byte[] img = HeapImage.Save(a.Vm);
        a.Heap.Destroy();
        Assert.NotNull(img);
        return img;
    }

    static LispHost Loaded(byte[] img, StringBuilder output, HeapOptions o = null)
    {
        var h = new LispHost(o ?? new HeapOptions { LimitBytes = 256UL << 20 }, false, (b, n) => output.Append(Encoding.UTF8.GetString(b, 0, n)), img);
        h.Repl.ShowPrompt = false;
        return h;
    }

    [Fact]
    public void A_loaded_image_keeps_definitions_and_works()
    {
        byte[] img = SavedImage();
        var output = new StringBuilder();
        var h = Loaded(img, output);
        Assert.Null(h.ImageRefused);
        h.FeedString("(image-fn 7)\n(gethash 'k *image-var*)\n(let ((l nil)) (dotimes (i 100000) (push i l)) (length l))\n(gc)\n(image-fn (format nil \"~a\" 1/3))\n");
        Assert.Equal("(:FROM-IMAGE 7)\n42\nT\n100000\nNIL\n(:FROM-IMAGE \"1/3\")\n", output.ToString());
        h.Heap.Destroy();
    }

    [Theory]
    [MemberData(nameof(TranscriptTests.Files), MemberType = typeof(TranscriptTests))]
    public void Transcripts_pass_on_a_loaded_image(string name)
    {
        byte[] img = Cached ??= SavedImage();
        var failures = TranscriptTests.Run(name, new HeapOptions { LimitBytes = 256UL << 20 }, false, img);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
    static byte[] Cached;

    [Fact]
    public void Damaged_or_foreign_images_are_refused_and_the_vm_boots()
    {
        byte[] img = SavedImage();
        var cases = new List<(byte[], string)>();
        cases.Add((img.AsSpan(0, img.Length - 100).ToArray(), "length"));
        var magic = (byte[])img.Clone(); magic[0] ^= 0xFF; cases.Add((magic, "not a LispVm heap image"));
        var fp = (byte[])img.Clone(); fp[16] ^= 1; cases.Add((fp, "different build"));
        var walk = (byte[])img.Clone();
        int n = (int)BitConverter.ToUInt64(img, 40);
        int body = (8 + n) * 8;
        BitConverter.GetBytes(0xFFFF_FFFF_FFFF_FF06UL).CopyTo(walk, body);   // a header claiming a huge body
        cases.Add((walk, "damaged image"));
        var rootFlip = (byte[])img.Clone(); rootFlip[8 * 8 + 3] ^= 0x10; cases.Add((rootFlip, "checksum"));
        var bodyFlip = (byte[])img.Clone(); bodyFlip[body + (img.Length - body) / 2] ^= 1; cases.Add((bodyFlip, "checksum"));
        var lastFlip = (byte[])img.Clone(); lastFlip[^1] ^= 0x80; cases.Add((lastFlip, "checksum"));
        foreach (var (bad, why) in cases)
        {
            var output = new StringBuilder();
            var h = Loaded(bad, output);
            Assert.NotNull(h.ImageRefused);
            Assert.Contains(why, h.ImageRefused);
            h.FeedString("(+ 1 2)\n");
            Assert.EndsWith("3\n", output.ToString());
            h.Heap.Destroy();
        }
    }
}
