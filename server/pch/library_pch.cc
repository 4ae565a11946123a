// The translation unit that compiles server/pch/library_pch.h into the server libraries' precompiled header.
