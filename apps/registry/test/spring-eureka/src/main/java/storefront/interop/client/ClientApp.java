package storefront.interop.client;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A Spring Cloud Eureka client (registers as STOREFRONT-INTEROP, configured by
 * application-client.properties) that reports, on GET /seen, the instances its
 * DiscoveryClient sees for each application, as host:port.
 */
@SpringBootApplication
@RestController
public class ClientApp {
  private final DiscoveryClient discovery;

  public ClientApp(DiscoveryClient discovery) {
    this.discovery = discovery;
  }

  @GetMapping("/seen")
  public Map<String, List<String>> seen() {
    Map<String, List<String>> seen = new TreeMap<>();
    for (String service : discovery.getServices()) {
      List<ServiceInstance> instances = discovery.getInstances(service);
      seen.put(
          service.toUpperCase(),
          instances.stream().map(i -> i.getHost() + ":" + i.getPort()).sorted().toList());
    }
    return seen;
  }
}
