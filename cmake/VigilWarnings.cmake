# vigil_module_options(target): warnings, -Werror and sanitizers for one of our targets.
set(VIGIL_WARNING_FLAGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Wunused -Woverloaded-virtual -Wimplicit-fallthrough)
# GCC 12 at -O3 warns -Wrestrict inside std::string::insert/replace (GCC bug 105329, a false
# positive in libstdc++ itself); it would turn every Release build with -Werror red.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  list(APPEND VIGIL_WARNING_FLAGS -Wno-restrict)
endif()

if(VIGIL_SANITIZE)
  string(REPLACE "," ";" _vigil_sanitizers "${VIGIL_SANITIZE}")
  foreach(_s IN LISTS _vigil_sanitizers)
    add_compile_options(-fsanitize=${_s})
    add_link_options(-fsanitize=${_s})
  endforeach()
  add_compile_options(-fno-omit-frame-pointer -fno-sanitize-recover=all)
endif()

function(vigil_module_options target)
  target_compile_options(${target} PRIVATE ${VIGIL_WARNING_FLAGS})
  if(VIGIL_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# vigil_module(name DEPS ...): the static library vigil::<name> from <name>/src,
# public headers in <name>/include.
function(vigil_module name)
  cmake_parse_arguments(ARG "" "" "PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  file(GLOB_RECURSE _sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/*.cc)
  if(NOT _sources)
    # A module with headers only so far still yields a linkable library.
    set(_sources ${CMAKE_CURRENT_BINARY_DIR}/empty_module.cc)
    file(WRITE ${_sources} "// ${name} has no sources yet\n")
  endif()
  add_library(vigil_${name} STATIC ${_sources})
  add_library(vigil::${name} ALIAS vigil_${name})
  target_include_directories(vigil_${name} PUBLIC include PRIVATE src)
  target_link_libraries(vigil_${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  vigil_module_options(vigil_${name})
endfunction()
