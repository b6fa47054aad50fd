// The object that owns the guide programs' precompiled header (CMakeLists.txt); no code.
