// The translation unit that compiles tests/pch/test_pch.h into the test binaries' precompiled header.
