# Writes OUT, a C++ file holding every db/migrations/V###__name.sql as a
# string, in version order. Run at build time so that editing a migration
# rebuilds the daemon.
file(GLOB files "${DIR}/V*__*.sql")
list(SORT files COMPARE NATURAL)
set(body "// generated from db/migrations by db/embed_migrations.cmake: do not edit\n#include \"db/migrations.hpp\"\n#include <array>\nnamespace x400gw::db {\nnamespace {\nconstexpr std::array<migration, LIST_SIZE> all{{\n")
set(n 0)
foreach(f IN LISTS files)
  get_filename_component(name "${f}" NAME_WE)
  string(REGEX MATCH "^V([0-9]+)__" _ "${name}")
  math(EXPR version "${CMAKE_MATCH_1}")
  file(READ "${f}" sql)
  string(APPEND body "    {${version}, \"${name}\", R\"x400gw_sql(${sql})x400gw_sql\"},\n")
  math(EXPR n "${n} + 1")
endforeach()
string(REPLACE "LIST_SIZE" "${n}" body "${body}")
string(APPEND body "}};\n}\nstd::span<migration const> migrations() { return all; }\n}\n")
file(WRITE "${OUT}.tmp" "${body}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
