#include "vigil/rules/rule_set.h"

namespace vigil::rules {

RuleVariables RuleVariables::suricata_defaults() {
  RuleVariables v;
  // Address groups, as in suricata.yaml's vars.address-groups.
  v.values["HOME_NET"] = "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]";
  v.values["EXTERNAL_NET"] = "!$HOME_NET";
  for (const char* name : {"HTTP_SERVERS", "SMTP_SERVERS", "SQL_SERVERS", "DNS_SERVERS", "TELNET_SERVERS",
                           "AIM_SERVERS", "DC_SERVERS", "DNP3_SERVER", "DNP3_CLIENT", "MODBUS_CLIENT",
                           "MODBUS_SERVER", "ENIP_CLIENT", "ENIP_SERVER"}) {
    v.values[name] = "$HOME_NET";
  }
  // Port groups, as in suricata.yaml's vars.port-groups.
  v.values["HTTP_PORTS"] = "80";
  v.values["SHELLCODE_PORTS"] = "!80";
  v.values["ORACLE_PORTS"] = "1521";
  v.values["SSH_PORTS"] = "22";
  v.values["DNP3_PORTS"] = "20000";
  v.values["MODBUS_PORTS"] = "502";
  v.values["FILE_DATA_PORTS"] = "[$HTTP_PORTS,110,143]";
  v.values["FTP_PORTS"] = "21";
  v.values["GENEVE_PORTS"] = "6081";
  v.values["VXLAN_PORTS"] = "4789";
  v.values["TEREDO_PORTS"] = "3544";
  return v;
}

}  // namespace vigil::rules
