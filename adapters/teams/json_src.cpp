// Boost.JSON, compiled once here (its documented header-only use): activities are parsed with it,
// several times faster than nlohmann/json's character-by-character lexer on the click path.
#include <boost/json/src.hpp>
