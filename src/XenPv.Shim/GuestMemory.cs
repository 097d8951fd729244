// Why: the frame allocator reads page tables through its table window, writes its P2M and
// free-frame stacks, and zeroes frames it maps. In the guest these are plain loads and
// stores; behind this interface a sparse fake Xen can run a 64 GiB guest in tests, counting
// zeroed pages instead of backing them with host memory. VA = guest virtual address.
namespace XenPv.Shim
{
    public interface IGuestMemory
    {
        ulong Read(ulong va);
        void Write(ulong va, ulong value);
        uint Read32(ulong va);
        void Write32(ulong va, uint value);
        // Sets every 8-byte word of the 4 KiB page at va (page aligned) to value.
        void FillPage(ulong va, ulong value);
    }

    public unsafe sealed class DirectGuestMemory : IGuestMemory
    {
        public ulong Read(ulong va) { return *(ulong*)va; }
        public void Write(ulong va, ulong value) { *(ulong*)va = value; }
        public uint Read32(ulong va) { return *(uint*)va; }
        public void Write32(ulong va, uint value) { *(uint*)va = value; }
        public void FillPage(ulong va, ulong value)
        {
            ulong* p = (ulong*)va;
            for (int i = 0; i < 512; i++) p[i] = value;
        }
    }
}
