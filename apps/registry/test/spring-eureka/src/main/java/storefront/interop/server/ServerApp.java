package storefront.interop.server;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cloud.netflix.eureka.server.EnableEurekaServer;

/** Netflix's Eureka server, configured by application-server.properties. */
@SpringBootApplication
@EnableEurekaServer
public class ServerApp {}
