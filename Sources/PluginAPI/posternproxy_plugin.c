// The PluginAPI target is header-only; SwiftPM needs one source file to build it as a C target.
#include "posternproxy_plugin.h"
