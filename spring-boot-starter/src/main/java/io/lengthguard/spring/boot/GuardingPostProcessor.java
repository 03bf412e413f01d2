package io.lengthguard.spring.boot;

import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;

/**
 * Replaces each bean declared as one type (a builder or connector interface of Boot's) with its
 * guarded wrapper. A bean declared as a concrete class is left as it is: code may inject it as that
 * class, which the wrapper is not.
 */
final class GuardingPostProcessor implements BeanPostProcessor, BeanFactoryAware {
  private final Class<?> type;
  private final UnaryOperator<Object> guard;
  private @Nullable ConfigurableListableBeanFactory beanFactory;

  /**
   * @param guard returns the wrapper of a bean of {@code type}, or the bean itself if it is guarded
   *     already
   */
  GuardingPostProcessor(Class<?> type, UnaryOperator<Object> guard) {
    this.type = type;
    this.guard = guard;
  }

  @Override
  public void setBeanFactory(BeanFactory beanFactory) {
    if (beanFactory instanceof ConfigurableListableBeanFactory factory) this.beanFactory = factory;
  }

  @Override
  public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
    return type.isInstance(bean) && declaredAsType(beanName) ? guard.apply(bean) : bean;
  }

  private boolean declaredAsType(String beanName) {
    ConfigurableListableBeanFactory factory = beanFactory;
    return factory != null
        && factory.containsBeanDefinition(beanName)
        && factory.getMergedBeanDefinition(beanName).getResolvableType().resolve() == type;
  }
}
